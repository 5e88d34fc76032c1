// The ingest log's message body: one tenant's streams for one partition, column-wise so that
// encoding and decoding copy bytes instead of building an object per entry. The lines of all its
// streams, back to back, are one Zstandard frame (level 1): about 3.5x smaller than the lines in a
// message of a few streams, where LZ4 per stream made 2x, at LZ4's speed, and compressed into and
// decoded from buffers that are reused, not allocated per message. Every byte of the log is sent
// to nats-server, stored, and sent to an ingester, so its size is the server's CPU.
import { uncompressSync } from 'lz4-napi';
import type { EntryBatch } from '../model/batch.ts';
import type { Labels } from '../model/labels.ts';
import { Scratch } from '../model/scratch.ts';
import { zstdFrame, zstdInto } from '../model/zstd.ts';
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

interface WireBatch {
  tenant: string;
  streams: WireStream[];
  /** Every stream's lines, in stream order, as one Zstandard frame. */
  zstd?: Uint8Array;
}

interface WireStream {
  fp: string;
  labels: string;
  ts: Uint8Array;
  /** Older messages: the stream's lines as lz4-napi compresses them, their length (u32) then one LZ4 block. */
  lz4?: Uint8Array;
  /** Older messages still: the lines uncompressed. */
  lines?: Uint8Array;
  offsets: Uint8Array;
  meta?: Array<Labels | null>;
}

const LEVEL = 1;

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const sizeOf = (b: EntryBatch) => b.offsets[b.ts.length];

/** The lines of a message being encoded, back to back; reused, as encoding is synchronous. */
const joining = new Scratch();

export function encodeIngestBatch(b: IngestBatch): Uint8Array {
  const total = b.streams.reduce((n, s) => n + sizeOf(s.batch), 0);
  const joined = joining.take(total);
  let at = 0;
  const streams: WireStream[] = b.streams.map((s) => {
    at += s.batch.lines.copy(joined, at, 0, sizeOf(s.batch));
    const w: WireStream = { fp: s.fp, labels: s.labels, ts: bytesOf(s.batch.ts), offsets: bytesOf(s.batch.offsets) };
    if (s.batch.metadata) w.meta = s.batch.metadata.map((m) => m ?? null);
    return w;
  });
  // msgpack copies the frame out of the compressor's scratch
  return encode({ tenant: b.tenant, streams, zstd: zstdFrame(joined, LEVEL) });
}

/** Typed arrays need aligned memory; msgpack slices are not, so copy into fresh buffers. */
function aligned<T>(src: Uint8Array, make: (buf: ArrayBuffer) => T): T {
  const buf = new ArrayBuffer(src.byteLength);
  new Uint8Array(buf).set(src);
  return make(buf);
}

/**
 * `scratch`: where the lines are decoded instead of a new buffer, for a reader that copies them
 * before it decodes the next message (an ingester's heads do); they are valid until then.
 */
export function decodeIngestBatch(data: Uint8Array, labelsOf: (text: string) => Labels, scratch?: Scratch): IngestBatch {
  const m = decode<WireBatch>(data);
  const offsets = m.streams.map((w) => aligned(w.offsets, (b) => new Uint32Array(b)));
  const sizes = offsets.map((o) => o[o.length - 1] ?? 0);
  const joinedLines = m.zstd ? framed(m.zstd, sizes.reduce((a, b) => a + b, 0), scratch) : undefined;
  let at = 0;
  return {
    tenant: m.tenant,
    streams: m.streams.map((w, i) => {
      let lines: Buffer;
      if (joinedLines) {
        lines = joinedLines.subarray(at, at + sizes[i]);
        at += sizes[i];
      } else lines = linesOf(w, sizes[i]);
      const batch: EntryBatch = { labels: labelsOf(w.labels), ts: aligned(w.ts, (b) => new BigInt64Array(b)), lines, offsets: offsets[i] };
      if (w.meta) batch.metadata = w.meta.map((x) => x ?? undefined);
      return { fp: w.fp, labels: w.labels, batch };
    }),
  };
}

/** The message's lines, `size` bytes as the streams' offsets say: a frame that holds another size is refused, and never inflates past `size`. */
function framed(frame: Uint8Array, size: number, scratch: Scratch | undefined): Buffer {
  const out = scratch ? scratch.take(size) : Buffer.allocUnsafe(size);
  let n: number;
  try {
    n = zstdInto(out, frame);
  } catch (err) {
    throw new BusError(`ingest batch: the lines' frame does not hold the ${size} bytes the offsets say: ${(err as Error).message}`, { cause: err });
  }
  if (n !== size) throw new BusError(`ingest batch: the lines' frame holds ${n} bytes, not the ${size} bytes the offsets say`);
  return out;
}

/** An older message's stream lines, `size` bytes as its offsets say; a compressed length that disagrees is refused before anything is allocated. */
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
