// Reads a chunk (see FORMAT.md), checking every checksum and bounding every size before it
// allocates: a corrupt chunk is a ChunkCorruptError naming the chunk, never a crash.
import { uncompressSync } from 'lz4-napi';
import { batchInRange, type EntryBatch } from '../../model/batch.ts';
import { parseLabels, type Labels } from '../../model/labels.ts';
import { fromBrotli } from './brotli.ts';
import { fromZstd } from './zstd.ts';
import { crc32 } from './crc32.ts';
import { BLOCK_INDEX_ENTRY, BlockFlag, Codec, LITTLE_ENDIAN, MAGIC, MAX_BLOCK_BYTES, TRAILER, VERSION, type ChunkMeta } from './encode.ts';

export { MAX_BLOCK_BYTES };
const CODECS = new Set<number>(Object.values(Codec));

/** Entries of one chunk: more is a corrupt count (a 1.5 MB chunk holds tens of thousands). */
export const MAX_ENTRIES = 1 << 24;
/** Blocks of one chunk. */
export const MAX_BLOCKS = 1 << 16;
/** The labels text of a stream (Loki caps a stream's labels far lower). */
export const MAX_LABELS_BYTES = 1 << 20;

/** Raw bytes every entry takes in a block's columns besides its line: timestamp (8) and line length (4). */
const ENTRY_COLUMNS = 12;

export class ChunkCorruptError extends Error {
  override name = 'ChunkCorruptError';
}

export interface BlockInfo {
  minTs: bigint;
  maxTs: bigint;
  entries: number;
  offset: number;
  length: number;
  rawLength: number;
  crc: number;
  flags: number;
}

/**
 * The bytes of a block's lines together, read off its index entry without decompressing it: its raw
 * size less the columns. Undefined for a block with a metadata section, whose size the index
 * does not give.
 */
export const lineBytes = (b: BlockInfo): number | undefined => (b.flags & BlockFlag.metadata ? undefined : b.rawLength - ENTRY_COLUMNS * b.entries);

export interface ChunkReader {
  meta: ChunkMeta;
  from: bigint;
  through: bigint;
  entries: number;
  /** Size of the encoded chunk. */
  bytes: number;
  blocks: ReadonlyArray<BlockInfo>;
  /** Decompresses and checks one block; throws ChunkCorruptError naming the chunk. */
  readBlock(i: number): EntryBatch;
  /** Indices of the blocks that may hold entries with start <= ts < end, in time order. */
  blocksIn(start: bigint, end: bigint): number[];
  /** Entries with start <= ts < end; blocks outside the range are not decompressed. */
  read(start: bigint, end: bigint): EntryBatch[];
}

/** `decompressed`: told of every block decompressed, so a reader can count what it cost. */
export function decodeChunk(key: string, buf: Buffer, decompressed?: (b: BlockInfo) => void): ChunkReader {
  const corrupt = (what: string, cause?: unknown) => new ChunkCorruptError(`chunk ${key}: ${what}`, cause ? { cause } : undefined);
  const need = (at: number, n: number, what: string) => {
    if (at < 0 || n < 0 || at + n > buf.length) throw corrupt(`truncated ${what}`);
  };

  // header
  need(0, 10, 'header');
  if (!buf.subarray(0, 4).equals(MAGIC)) throw corrupt('not a chunk (bad magic)');
  if (buf[4] !== VERSION) throw corrupt(`unknown format version ${buf[4]}`);
  const codec = buf[5];
  if (!CODECS.has(codec)) throw corrupt(`unknown codec ${codec}`);
  let at = 8;
  const tenantLen = buf.readUInt16LE(at);
  at += 2;
  need(at, tenantLen + 8 + 8 + 4 + 8 + 8 + 4, 'header');
  const tenant = buf.toString('utf8', at, at + tenantLen);
  at += tenantLen;
  const fingerprint = buf.toString('hex', at, at + 8);
  at += 8;
  const maxSeq = buf.readBigUInt64LE(at);
  at += 8;
  const entries = buf.readUInt32LE(at);
  const from = buf.readBigInt64LE(at + 4);
  const through = buf.readBigInt64LE(at + 12);
  at += 20;
  const labelsLen = buf.readUInt32LE(at);
  at += 4;
  if (labelsLen > MAX_LABELS_BYTES) throw corrupt(`labels of ${labelsLen} bytes, over ${MAX_LABELS_BYTES}`);
  need(at, labelsLen + 4, 'header');
  const labelsText = buf.toString('utf8', at, at + labelsLen);
  at += labelsLen;
  if (buf.readUInt32LE(at) !== crc32(buf, 0, at)) throw corrupt('header checksum mismatch');
  const headerEnd = at + 4;
  if (maxSeq > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`maxSeq ${maxSeq} out of range`);
  if (entries > MAX_ENTRIES) throw corrupt(`${entries} entries, over ${MAX_ENTRIES}`);
  let labels: Labels;
  try {
    labels = parseLabels(labelsText);
  } catch (err) {
    throw corrupt(`bad labels: ${(err as Error).message}`, err);
  }

  // trailer and block index
  need(headerEnd, TRAILER, 'trailer');
  const t = buf.length - TRAILER;
  if (!buf.subarray(t + 12, t + 16).equals(MAGIC)) throw corrupt('bad trailer magic (truncated?)');
  const idxAt = buf.readUInt32LE(t);
  const idxLen = buf.readUInt32LE(t + 4);
  if (buf.readUInt32LE(t + 8) !== entries) throw corrupt('trailer and header disagree on the entry count');
  if (idxAt < headerEnd || idxAt + idxLen !== t || idxLen < 8) throw corrupt('block index out of bounds');
  const count = buf.readUInt32LE(idxAt);
  if (count > MAX_BLOCKS || 4 + count * BLOCK_INDEX_ENTRY + 4 !== idxLen) throw corrupt(`block index of ${count} blocks does not fit`);
  if (buf.readUInt32LE(idxAt + idxLen - 4) !== crc32(buf, idxAt, idxAt + idxLen - 4)) throw corrupt('block index checksum mismatch');
  const blocks: BlockInfo[] = [];
  let sum = 0;
  let end = headerEnd;
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
      flags: buf.readUInt32LE(e + 36),
    };
    if (b.offset !== end || b.offset + b.length > idxAt) throw corrupt(`block ${i} out of bounds`);
    if (b.rawLength > MAX_BLOCK_BYTES) throw corrupt(`block ${i} of ${b.rawLength} bytes, over ${MAX_BLOCK_BYTES}`);
    if (b.entries === 0 || b.entries * ENTRY_COLUMNS > b.rawLength) throw corrupt(`block ${i} cannot hold ${b.entries} entries`);
    if (b.minTs > b.maxTs || (i > 0 && b.minTs < blocks[i - 1].maxTs)) throw corrupt(`block ${i} time range out of order`);
    end = b.offset + b.length;
    sum += b.entries;
    blocks.push(b);
  }
  if (end !== idxAt) throw corrupt('bytes between the last block and the index');
  if (sum !== entries) throw corrupt(`blocks hold ${sum} entries, header says ${entries}`);
  if (count > 0 && (blocks[0].minTs !== from || blocks[count - 1].maxTs !== through)) throw corrupt('header time range disagrees with the blocks');

  const readBlock = (i: number): EntryBatch => {
    const b = blocks[i];
    if (!b) throw new RangeError(`chunk ${key} has no block ${i}`);
    const batch = decodeBlock(buf.subarray(b.offset, b.offset + b.length), b, codec, labels, `chunk ${key}: block ${i}`);
    decompressed?.(b);
    return batch;
  };

  const blocksIn = (start: bigint, end: bigint): number[] => {
    const out: number[] = [];
    for (let i = 0; i < blocks.length; i++) if (blocks[i].maxTs >= start && blocks[i].minTs < end) out.push(i);
    return out;
  };

  return {
    meta: { tenant, fingerprint, labels, maxSeq: Number(maxSeq) },
    from,
    through,
    entries,
    bytes: buf.length,
    blocks,
    readBlock,
    blocksIn,
    read(start, end) {
      const out: EntryBatch[] = [];
      for (const i of blocksIn(start, end)) {
        const part = batchInRange(readBlock(i), start, end);
        if (part.ts.length) out.push(part);
      }
      return out;
    },
  };
}

/**
 * Checks, decompresses and parses one block's stored bytes (from a chunk, or a block a stream's
 * head holds in memory); a failure is a ChunkCorruptError whose message starts with `name`.
 */
export function decodeBlock(stored: Buffer, b: Omit<BlockInfo, 'offset' | 'length'>, codec: number, labels: Labels, name: string): EntryBatch {
  const corrupt = (what: string, cause?: unknown) => new ChunkCorruptError(`${name} ${what}`, cause ? { cause } : undefined);
  if (crc32(stored) !== b.crc) throw corrupt('checksum mismatch');
  let raw: Buffer;
  if (codec === Codec.none) raw = stored;
  else if (codec === Codec.brotli || codec === Codec.zstd) {
    try {
      raw = codec === Codec.zstd ? fromZstd(stored, b.rawLength) : fromBrotli(stored, b.rawLength);
    } catch (err) {
      throw corrupt(`does not decompress: ${(err as Error).message}`, err);
    }
  } else {
    // lz4-napi allocates what the size prefix says: it must be the size the index promised
    if (stored.length < 4 || stored.readUInt32LE(0) !== b.rawLength) throw corrupt('size mismatch');
    try {
      raw = uncompressSync(stored);
    } catch (err) {
      throw corrupt(`does not decompress: ${(err as Error).message}`, err);
    }
  }
  if (raw.length !== b.rawLength) throw corrupt(`decompressed to ${raw.length} bytes, not ${b.rawLength}`);
  return parseBlock(raw, b, labels, (what) => new ChunkCorruptError(`${name}: ${what}`));
}

/** Turns a raw column-wise block into a batch: the lines stay a view of `raw`. */
function parseBlock(raw: Buffer, b: Omit<BlockInfo, 'offset' | 'length'>, labels: Labels, corrupt: (what: string) => Error): EntryBatch {
  const n = b.entries;
  const ts = new BigInt64Array(n);
  if (LITTLE_ENDIAN) new Uint8Array(ts.buffer).set(raw.subarray(0, n * 8));
  else for (let i = 0; i < n; i++) ts[i] = raw.readBigInt64LE(i * 8);
  if (ts[0] !== b.minTs || ts[n - 1] !== b.maxTs) throw corrupt('timestamps disagree with the block index');
  for (let i = 1; i < n; i++) if (ts[i] < ts[i - 1]) throw corrupt(`timestamps out of order at entry ${i}`);
  const offsets = new Uint32Array(n + 1);
  let total = 0;
  for (let i = 0, at = n * 8; i < n; i++, at += 4) {
    offsets[i] = total;
    total += raw.readUInt32LE(at);
  }
  offsets[n] = total;
  const linesAt = n * ENTRY_COLUMNS;
  if (linesAt + total > raw.length) throw corrupt('lines run past the block');
  const lines = raw.subarray(linesAt, linesAt + total);
  let at = linesAt + total;
  let metadata: Array<Labels | undefined> | undefined;
  if (b.flags & BlockFlag.metadata) {
    metadata = new Array(n);
    for (let i = 0; i < n; i++) {
      if (at + 2 > raw.length) throw corrupt('truncated metadata');
      const pairs = raw.readUInt16LE(at);
      at += 2;
      if (pairs === 0) {
        metadata[i] = undefined;
        continue;
      }
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
      metadata[i] = meta;
    }
  }
  if (at !== raw.length) throw corrupt('trailing bytes');
  const batch: EntryBatch = { labels, ts, lines, offsets };
  if (metadata) batch.metadata = metadata;
  return batch;
}

