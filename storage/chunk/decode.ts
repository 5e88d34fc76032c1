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
  /**
   * Brings the stored bytes of these blocks (one range read per run of adjacent ones, for a chunk
   * opened by openChunk; nothing to do for one decoded whole). readBlock(i) needs block i loaded.
   */
  load(blocks: number[]): Promise<void>;
  /** Decompresses and checks one loaded block; throws ChunkCorruptError naming the chunk. */
  readBlock(i: number): EntryBatch;
  /** Indices of the blocks that may hold entries with start <= ts < end, in time order. */
  blocksIn(start: bigint, end: bigint): number[];
  /** Entries with start <= ts < end of a chunk decoded whole; blocks outside the range are not decompressed. */
  read(start: bigint, end: bigint): EntryBatch[];
}

/** What the header says, and where the blocks begin. */
interface Header {
  meta: ChunkMeta;
  codec: number;
  entries: number;
  from: bigint;
  through: bigint;
  headerEnd: number;
}

/** Bytes read from the front and from the back of a chunk when it is opened for range reads. */
const HEAD_BYTES = 4096;
const TAIL_BYTES = 8192;
/** A chunk this small is read whole: a range read or two more would cost more than its bytes. */
export const WHOLE_READ_BYTES = 64 * 1024;

/**
 * The header, from the first bytes of a chunk; `{ need }` when `head` holds too few of them (a
 * long labels text) and the chunk (`size` bytes) has more.
 */
function parseHeader(key: string, head: Buffer, size: number): Header | { need: number } {
  const corrupt = (what: string, cause?: unknown) => new ChunkCorruptError(`chunk ${key}: ${what}`, cause ? { cause } : undefined);
  const need = (at: number, n: number, what: string): number | undefined => {
    if (at >= 0 && n >= 0 && at + n <= head.length) return undefined;
    if (at >= 0 && n >= 0 && at + n <= size && head.length < size) return at + n;
    throw corrupt(`truncated ${what}`);
  };
  let more = need(0, 10, 'header');
  if (more !== undefined) return { need: more };
  if (!head.subarray(0, 4).equals(MAGIC)) throw corrupt('not a chunk (bad magic)');
  if (head[4] !== VERSION) throw corrupt(`unknown format version ${head[4]}`);
  const codec = head[5];
  if (!CODECS.has(codec)) throw corrupt(`unknown codec ${codec}`);
  let at = 8;
  const tenantLen = head.readUInt16LE(at);
  at += 2;
  more = need(at, tenantLen + 8 + 8 + 4 + 8 + 8 + 4, 'header');
  if (more !== undefined) return { need: more };
  const tenant = head.toString('utf8', at, at + tenantLen);
  at += tenantLen;
  const fingerprint = head.toString('hex', at, at + 8);
  at += 8;
  const maxSeq = head.readBigUInt64LE(at);
  at += 8;
  const entries = head.readUInt32LE(at);
  const from = head.readBigInt64LE(at + 4);
  const through = head.readBigInt64LE(at + 12);
  at += 20;
  const labelsLen = head.readUInt32LE(at);
  at += 4;
  if (labelsLen > MAX_LABELS_BYTES) throw corrupt(`labels of ${labelsLen} bytes, over ${MAX_LABELS_BYTES}`);
  more = need(at, labelsLen + 4, 'header');
  if (more !== undefined) return { need: more };
  const labelsText = head.toString('utf8', at, at + labelsLen);
  at += labelsLen;
  if (head.readUInt32LE(at) !== crc32(head, 0, at)) throw corrupt('header checksum mismatch');
  const headerEnd = at + 4;
  if (maxSeq > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`maxSeq ${maxSeq} out of range`);
  if (entries > MAX_ENTRIES) throw corrupt(`${entries} entries, over ${MAX_ENTRIES}`);
  let labels: Labels;
  try {
    labels = parseLabels(labelsText);
  } catch (err) {
    throw corrupt(`bad labels: ${(err as Error).message}`, err);
  }
  return { meta: { tenant, fingerprint, labels, maxSeq: Number(maxSeq) }, codec, entries, from, through, headerEnd };
}

/**
 * The block index, from the last bytes of a chunk: `tail` holds the chunk's bytes from offset
 * `base` to its end (`size`). `{ need }` (the offset to read from) when the index starts before.
 */
function parseBlockIndex(key: string, h: Header, tail: Buffer, base: number, size: number): BlockInfo[] | { need: number } {
  const corrupt = (what: string) => new ChunkCorruptError(`chunk ${key}: ${what}`);
  if (size - h.headerEnd < TRAILER || tail.length < TRAILER) throw corrupt('truncated trailer');
  const t = tail.length - TRAILER;
  if (!tail.subarray(t + 12, t + 16).equals(MAGIC)) throw corrupt('bad trailer magic (truncated?)');
  const idxAt = tail.readUInt32LE(t);
  const idxLen = tail.readUInt32LE(t + 4);
  if (tail.readUInt32LE(t + 8) !== h.entries) throw corrupt('trailer and header disagree on the entry count');
  if (idxAt < h.headerEnd || idxAt + idxLen !== size - TRAILER || idxLen < 8) throw corrupt('block index out of bounds');
  if (idxAt < base) return { need: idxAt };
  const at = idxAt - base;
  const count = tail.readUInt32LE(at);
  if (count > MAX_BLOCKS || 4 + count * BLOCK_INDEX_ENTRY + 4 !== idxLen) throw corrupt(`block index of ${count} blocks does not fit`);
  if (tail.readUInt32LE(at + idxLen - 4) !== crc32(tail, at, at + idxLen - 4)) throw corrupt('block index checksum mismatch');
  const blocks: BlockInfo[] = [];
  let sum = 0;
  let end = h.headerEnd;
  for (let i = 0; i < count; i++) {
    const e = at + 4 + i * BLOCK_INDEX_ENTRY;
    const b: BlockInfo = {
      offset: tail.readUInt32LE(e),
      length: tail.readUInt32LE(e + 4),
      rawLength: tail.readUInt32LE(e + 8),
      entries: tail.readUInt32LE(e + 12),
      minTs: tail.readBigInt64LE(e + 16),
      maxTs: tail.readBigInt64LE(e + 24),
      crc: tail.readUInt32LE(e + 32),
      flags: tail.readUInt32LE(e + 36),
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
  if (sum !== h.entries) throw corrupt(`blocks hold ${sum} entries, header says ${h.entries}`);
  if (count > 0 && (blocks[0].minTs !== h.from || blocks[count - 1].maxTs !== h.through)) throw corrupt('header time range disagrees with the blocks');
  return blocks;
}

/** `decompressed`: told of every block decompressed, so a reader can count what it cost. */
export function decodeChunk(key: string, buf: Buffer, decompressed?: (b: BlockInfo) => void): ChunkReader {
  const h = parseHeader(key, buf, buf.length) as Header;
  const blocks = parseBlockIndex(key, h, buf, 0, buf.length) as BlockInfo[];
  return chunkReader(key, h, blocks, buf.length, (b) => buf.subarray(b.offset, b.offset + b.length), async () => undefined, decompressed);
}

/**
 * A chunk of `size` bytes opened for range reads: its header and block index are read now (the
 * first and last few KiB), each block's bytes only when load() asks for it, and let go once the
 * block is read. A small chunk is read whole at once.
 */
export async function openChunk(
  key: string,
  size: number,
  getRange: (offset: number, length: number) => Promise<Buffer>,
  decompressed?: (b: BlockInfo) => void,
): Promise<ChunkReader> {
  if (size <= WHOLE_READ_BYTES) return decodeChunk(key, await getRange(0, size), decompressed);
  const tailAt = size - Math.min(size, TAIL_BYTES);
  let [head, tail] = await Promise.all([getRange(0, Math.min(size, HEAD_BYTES)), getRange(tailAt, size - tailAt)]);
  let h = parseHeader(key, head, size);
  if ('need' in h) h = parseHeader(key, (head = await getRange(0, h.need)), size);
  if ('need' in h) throw new ChunkCorruptError(`chunk ${key}: truncated header`);
  let blocks = parseBlockIndex(key, h, tail, tailAt, size);
  if ('need' in blocks) {
    const at = blocks.need;
    blocks = parseBlockIndex(key, h, (tail = await getRange(at, size - at)), at, size);
  }
  if ('need' in blocks) throw new ChunkCorruptError(`chunk ${key}: truncated block index`);
  const list = blocks;
  const loaded = new Map<number, Buffer>();
  const load = async (wanted: number[]): Promise<void> => {
    const missing = [...new Set(wanted)].filter((i) => !loaded.has(i) && list[i]).sort((a, b) => a - b);
    const runs: number[][] = [];
    for (const i of missing) {
      const last = runs[runs.length - 1];
      if (last && last[last.length - 1] === i - 1) last.push(i);
      else runs.push([i]);
    }
    await Promise.all(
      runs.map(async (run) => {
        const first = list[run[0]];
        const last = list[run[run.length - 1]];
        const bytes = await getRange(first.offset, last.offset + last.length - first.offset);
        if (bytes.length !== last.offset + last.length - first.offset) throw new ChunkCorruptError(`chunk ${key}: truncated block ${run[0]}`);
        for (const i of run) loaded.set(i, bytes.subarray(list[i].offset - first.offset, list[i].offset - first.offset + list[i].length));
      }),
    );
  };
  const stored = (b: BlockInfo, i: number): Buffer => {
    const bytes = loaded.get(i);
    if (!bytes) throw new Error(`chunk ${key}: block ${i} read before it was loaded`);
    loaded.delete(i); // read once: its bytes are not held while the rest of the chunk is read
    return bytes;
  };
  return chunkReader(key, h, list, size, stored, load, decompressed);
}

function chunkReader(
  key: string,
  h: Header,
  blocks: BlockInfo[],
  size: number,
  stored: (b: BlockInfo, i: number) => Buffer,
  load: (blocks: number[]) => Promise<void>,
  decompressed?: (b: BlockInfo) => void,
): ChunkReader {
  const readBlock = (i: number): EntryBatch => {
    const b = blocks[i];
    if (!b) throw new RangeError(`chunk ${key} has no block ${i}`);
    const batch = decodeBlock(stored(b, i), b, h.codec, h.meta.labels, `chunk ${key}: block ${i}`);
    decompressed?.(b);
    return batch;
  };

  const blocksIn = (start: bigint, end: bigint): number[] => {
    const out: number[] = [];
    for (let i = 0; i < blocks.length; i++) if (blocks[i].maxTs >= start && blocks[i].minTs < end) out.push(i);
    return out;
  };

  return {
    meta: h.meta,
    from: h.from,
    through: h.through,
    entries: h.entries,
    bytes: size,
    blocks,
    load,
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

