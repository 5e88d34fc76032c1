// The ingest log's message body: one tenant's streams for one partition, column-wise so that
// encoding and decoding copy bytes instead of building an object per entry, each stream's lines
// compressed with LZ4: logs shrink three to five times, and every byte of the log is sent to
// nats-server, stored, and sent to an ingester (the server's CPU fell by a third or more).
import { compressSync, uncompressSync } from 'lz4-napi';
import type { EntryBatch } from '../model/batch.ts';
import type { Labels } from '../model/labels.ts';
import { decode, encode } from './codec.ts';
import { BusError } from './errors.ts';

export interface IngestStream {
  /** 16 hex digits: the stream's fingerprint (tenant and canonical labels). */
  fp: string;
  /** Canonical label text, `{a="b", c="d"}`. */
  labels: string;
  batch: EntryBatch;
}

export interface IngestBatch {
  tenant: string;
  streams: IngestStream[];
}

interface WireStream {
  fp: string;
  labels: string;
  ts: Uint8Array;
  /** The lines back to back as lz4-napi compresses them: their length (u32) then one LZ4 block. */
  lz4?: Uint8Array;
  /** The lines uncompressed, as messages written before the lz4 field hold them (readers keep reading these). */
  lines?: Uint8Array;
  offsets: Uint8Array;
  meta?: Array<Labels | null>;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function encodeIngestBatch(b: IngestBatch): Uint8Array {
  const streams: WireStream[] = b.streams.map((s) => {
    const w: WireStream = {
      fp: s.fp,
      labels: s.labels,
      ts: bytesOf(s.batch.ts),
      lz4: compressSync(s.batch.lines.subarray(0, s.batch.offsets[s.batch.ts.length])),
      offsets: bytesOf(s.batch.offsets),
    };
    if (s.batch.metadata) w.meta = s.batch.metadata.map((m) => m ?? null);
    return w;
  });
  return encode({ tenant: b.tenant, streams });
}

/** Typed arrays need aligned memory; msgpack slices are not, so copy into fresh buffers. */
function aligned<T>(src: Uint8Array, make: (buf: ArrayBuffer) => T): T {
  const buf = new ArrayBuffer(src.byteLength);
  new Uint8Array(buf).set(src);
  return make(buf);
}

export function decodeIngestBatch(data: Uint8Array, labelsOf: (text: string) => Labels): IngestBatch {
  const m = decode<{ tenant: string; streams: WireStream[] }>(data);
  return {
    tenant: m.tenant,
    streams: m.streams.map((w) => {
      const offsets = aligned(w.offsets, (b) => new Uint32Array(b));
      const batch: EntryBatch = {
        labels: labelsOf(w.labels),
        ts: aligned(w.ts, (b) => new BigInt64Array(b)),
        lines: linesOf(w, offsets[offsets.length - 1] ?? 0),
        offsets,
      };
      if (w.meta) batch.metadata = w.meta.map((x) => x ?? undefined);
      return { fp: w.fp, labels: w.labels, batch };
    }),
  };
}

/** A stream's lines, `size` bytes as its offsets say; a compressed length that disagrees is refused before anything is allocated. */
function linesOf(w: WireStream, size: number): Buffer {
  const view = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (w.lines) return view(w.lines);
  if (!w.lz4) throw new BusError(`ingest batch: stream ${w.fp} has no lines`);
  const z = view(w.lz4);
  if (z.length < 4 || z.readUInt32LE(0) !== size) throw new BusError(`ingest batch: stream ${w.fp}'s compressed lines are not the ${size} bytes its offsets say`);
  const lines = uncompressSync(z);
  if (lines.length !== size) throw new BusError(`ingest batch: stream ${w.fp}'s lines decompressed to ${lines.length} bytes, not ${size}`);
  return lines;
}
