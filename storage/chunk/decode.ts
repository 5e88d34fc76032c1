// Reads a chunk (see FORMAT.md), checking every checksum and bounding every size before it
// allocates: a corrupt chunk is a ChunkCorruptError naming the chunk, never a crash.
import { uncompressSync } from 'lz4-napi';
import type { EntryBatch, Labels } from '../../logql/batch.ts';
import { parseLabels } from '../../logql/labels.ts';
import { crc32 } from './crc32.ts';
import { BLOCK_INDEX_ENTRY, Codec, MAGIC, TRAILER, VERSION, type ChunkMeta } from './encode.ts';

/** Corrupt headers must not allocate gigabytes. */
export const MAX_BLOCK_BYTES = 16 << 20;
export const MAX_BLOCKS = 1 << 16;
export const MAX_LABELS_BYTES = 1 << 20;

export class ChunkCorruptError extends Error {
  override name = 'ChunkCorruptError';
  status = 500;
}

export interface BlockInfo {
  minTs: bigint;
  maxTs: bigint;
  entries: number;
  offset: number;
  length: number;
  rawLength: number;
  crc: number;
}

export interface ChunkReader {
  meta: ChunkMeta;
  from: bigint;
  through: bigint;
  entries: number;
  bytes: number;
  blocks: ReadonlyArray<BlockInfo>;
  readBlock(i: number): EntryBatch;
  /** Entries with start <= ts < end; blocks outside the range are not decompressed. */
  read(start: bigint, end: bigint): EntryBatch[];
}

export function decodeChunk(key: string, buf: Buffer): ChunkReader {
  const corrupt = (what: string) => new ChunkCorruptError(`chunk ${key}: ${what}`);
  const need = (at: number, n: number, what: string) => {
    if (at < 0 || at + n > buf.length) throw corrupt(`truncated ${what}`);
  };

  // header
  need(0, 10, 'header');
  if (!buf.subarray(0, 4).equals(MAGIC)) throw corrupt('not a chunk (bad magic)');
  if (buf[4] !== VERSION) throw corrupt(`unknown format version ${buf[4]}`);
  const codec = buf[5];
  if (codec !== Codec.lz4 && codec !== Codec.none) throw corrupt(`unknown codec ${codec}`);
  let at = 6;
  const tenantLen = buf.readUInt16LE(at);
  at += 2;
  need(at, tenantLen + 8 + 8 + 4, 'header');
  const tenant = buf.toString('utf8', at, at + tenantLen);
  at += tenantLen;
  const fingerprint = buf.toString('hex', at, at + 8);
  at += 8;
  const maxSeq = buf.readDoubleLE(at);
  at += 8;
  const labelsLen = buf.readUInt32LE(at);
  at += 4;
  if (labelsLen > MAX_LABELS_BYTES) throw corrupt(`labels of ${labelsLen} bytes`);
  need(at, labelsLen + 4, 'header');
  const labelsText = buf.toString('utf8', at, at + labelsLen);
  at += labelsLen;
  if (buf.readUInt32LE(at) !== crc32(buf, 0, at)) throw corrupt('header checksum mismatch');
  const headerEnd = at + 4;
  let labels: Labels;
  try {
    labels = parseLabels(labelsText);
  } catch (err) {
    throw corrupt(`bad labels: ${(err as Error).message}`);
  }

  // trailer and block index
  need(buf.length - TRAILER, TRAILER, 'trailer');
  const t = buf.length - TRAILER;
  if (!buf.subarray(t + 12, t + 16).equals(MAGIC)) throw corrupt('bad trailer magic');
  const idxAt = buf.readUInt32LE(t);
  const idxLen = buf.readUInt32LE(t + 4);
  const entries = buf.readUInt32LE(t + 8);
  if (idxAt < headerEnd || idxAt + idxLen !== t || idxLen < 8) throw corrupt('block index out of bounds');
  const count = buf.readUInt32LE(idxAt);
  if (count > MAX_BLOCKS || 4 + count * BLOCK_INDEX_ENTRY + 4 !== idxLen) throw corrupt(`block index of ${count} blocks does not fit`);
  if (buf.readUInt32LE(idxAt + idxLen - 4) !== crc32(buf, idxAt, idxAt + idxLen - 4)) throw corrupt('block index checksum mismatch');
  const blocks: BlockInfo[] = [];
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const e = idxAt + 4 + i * BLOCK_INDEX_ENTRY;
    const b: BlockInfo = {
      offset: buf.readUInt32LE(e),
      length: buf.readUInt32LE(e + 4),
      rawLength: buf.readUInt32LE(e + 8),
      entries: buf.readUInt32LE(e + 12),
      minTs: buf.readBigInt64LE(e + 16),
      maxTs: buf.readBigInt64LE(e + 24),
      crc: buf.readUInt32LE(e + 32),
    };
    if (b.offset < headerEnd || b.offset + b.length > idxAt || b.rawLength > MAX_BLOCK_BYTES || b.entries > b.rawLength)
      throw corrupt(`block ${i} out of bounds`);
    sum += b.entries;
    blocks.push(b);
  }
  if (sum !== entries) throw corrupt('entry count mismatch');

  const readBlock = (i: number): EntryBatch => {
    const b = blocks[i];
    const stored = buf.subarray(b.offset, b.offset + b.length);
    if (crc32(stored) !== b.crc) throw corrupt(`block ${i} checksum mismatch`);
    let raw: Buffer;
    if (codec === Codec.none) raw = stored;
    else {
      // lz4-napi prepends the uncompressed size: it must be the one the index promised
      if (stored.length < 4 || stored.readUInt32LE(0) !== b.rawLength) throw corrupt(`block ${i} size mismatch`);
      try {
        raw = uncompressSync(stored);
      } catch (err) {
        throw corrupt(`block ${i} does not decompress: ${(err as Error).message}`);
      }
    }
    if (raw.length !== b.rawLength) throw corrupt(`block ${i} decompressed to ${raw.length} bytes, not ${b.rawLength}`);
    return parseBlock(raw, b.entries, labels, (what) => corrupt(`block ${i}: ${what}`));
  };

  return {
    meta: { tenant, fingerprint, labels, maxSeq },
    from: blocks.length ? blocks[0].minTs : 0n,
    through: blocks.length ? blocks[blocks.length - 1].maxTs : 0n,
    entries,
    bytes: buf.length,
    blocks,
    readBlock,
    read(start, end) {
      const out: EntryBatch[] = [];
      blocks.forEach((b, i) => {
        if (b.maxTs < start || b.minTs >= end) return;
        const batch = readBlock(i);
        out.push(b.minTs >= start && b.maxTs < end ? batch : slice(batch, start, end));
      });
      return out;
    },
  };
}

function parseBlock(raw: Buffer, n: number, labels: Labels, corrupt: (what: string) => Error): EntryBatch {
  const ts = new BigInt64Array(n);
  const offsets = new Uint32Array(n + 1);
  const lines = Buffer.allocUnsafe(raw.length);
  let metadata: Array<Labels | undefined> | undefined;
  let at = 0;
  let out = 0;
  for (let i = 0; i < n; i++) {
    if (at + 12 > raw.length) throw corrupt('truncated entry');
    ts[i] = raw.readBigInt64LE(at);
    const len = raw.readUInt32LE(at + 8);
    at += 12;
    if (at + len + 2 > raw.length) throw corrupt('line runs past the block');
    offsets[i] = out;
    out += raw.copy(lines, out, at, at + len);
    at += len;
    const pairs = raw.readUInt16LE(at);
    at += 2;
    if (pairs) {
      const meta: Array<[string, string]> = [];
      for (let p = 0; p < pairs; p++) {
        if (at + 2 > raw.length) throw corrupt('truncated metadata');
        const nl = raw.readUInt16LE(at);
        at += 2;
        if (at + nl + 4 > raw.length) throw corrupt('truncated metadata');
        const name = raw.toString('utf8', at, at + nl);
        at += nl;
        const vl = raw.readUInt32LE(at);
        at += 4;
        if (at + vl > raw.length) throw corrupt('truncated metadata');
        meta.push([name, raw.toString('utf8', at, at + vl)]);
        at += vl;
      }
      (metadata ??= new Array(n).fill(undefined))[i] = meta;
    }
  }
  offsets[n] = out;
  if (at !== raw.length) throw corrupt('trailing bytes');
  const batch: EntryBatch = { labels, ts, lines: lines.subarray(0, out), offsets };
  if (metadata) batch.metadata = metadata;
  return batch;
}

/** The entries of an ascending batch with start <= ts < end. */
function slice(b: EntryBatch, start: bigint, end: bigint): EntryBatch {
  let lo = 0;
  while (lo < b.ts.length && b.ts[lo] < start) lo++;
  let hi = lo;
  while (hi < b.ts.length && b.ts[hi] < end) hi++;
  const base = b.offsets[lo];
  const offsets = new Uint32Array(hi - lo + 1);
  for (let i = lo; i <= hi; i++) offsets[i - lo] = b.offsets[i] - base;
  const out: EntryBatch = { labels: b.labels, ts: b.ts.slice(lo, hi), lines: b.lines.subarray(base, b.offsets[hi]), offsets };
  if (b.metadata) out.metadata = b.metadata.slice(lo, hi);
  return out;
}
