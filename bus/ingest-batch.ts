// The ingest log's message body: one tenant's streams for one partition, column-wise so that
// encoding and decoding copy bytes instead of building an object per entry.
import type { EntryBatch } from '../model/batch.ts';
import type { Labels } from '../model/labels.ts';
import { decode, encode } from './codec.ts';

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
  lines: Uint8Array;
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
      lines: bytesOf(s.batch.lines),
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
      const batch: EntryBatch = {
        labels: labelsOf(w.labels),
        ts: aligned(w.ts, (b) => new BigInt64Array(b)),
        lines: Buffer.from(w.lines.buffer, w.lines.byteOffset, w.lines.byteLength),
        offsets: aligned(w.offsets, (b) => new Uint32Array(b)),
      };
      if (w.meta) batch.metadata = w.meta.map((x) => x ?? undefined);
      return { fp: w.fp, labels: w.labels, batch };
    }),
  };
}
