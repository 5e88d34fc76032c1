// Writes a stream's entries as a chunk (see FORMAT.md): header, LZ4 blocks, block index, trailer
// (Zstandard and Brotli blocks are LZ4 blocks compressed again at flush: zstd.ts, brotli.ts).
import { compressSync } from 'lz4-napi';
import { endianness } from 'node:os';
import type { EntryBatch, EntryColumns } from '../../model/batch.ts';
import { checkFingerprint } from '../../model/fingerprint.ts';
import { formatLabels, type Labels } from '../../model/labels.ts';
import { compareAt, wordsOf } from '../../model/ts-words.ts';
import { checkSegment } from '../object-store.ts';
import { crc32 } from './crc32.ts';

export const MAGIC = Buffer.from('MNCK');
/** 1 was the first, row-wise layout, never read since; a new layout takes the next number. */
export const VERSION = 2;
export const Codec = { none: 0, lz4: 1, brotli: 2, zstd: 3 } as const; // on disk: append only
export type Codec = (typeof Codec)[keyof typeof Codec];
export const BlockFlag = { metadata: 1 } as const; // on disk: append only
export const BLOCK_INDEX_ENTRY = 40;
export const TRAILER = 16;
export const DEFAULT_BLOCK_SIZE = 256 * 1024;
/** A raw block never exceeds this: readers refuse bigger ones as corrupt. */
export const MAX_BLOCK_BYTES = 64 << 20;
export const LITTLE_ENDIAN = endianness() === 'LE';

export interface ChunkMeta {
  tenant: string;
  /** 16 hex digits. */
  fingerprint: string;
  labels: Labels;
  /** Highest ingest-log sequence of any entry in the chunk. */
  maxSeq: number;
}

export interface EncodedChunk {
  buf: Buffer;
  /** CRC-32 of the whole chunk but its own two checksums; part of its key. */
  checksum: number;
}

/** One block as a chunk stores it: its stored bytes and what its entry in the block index says. */
export interface EncodedBlock {
  stored: Buffer;
  rawLength: number;
  entries: number;
  /** The bytes of its lines together (Loki's uncompressed size; not on disk: the index keeps a chunk's sum). */
  lineBytes: number;
  minTs: bigint;
  maxTs: bigint;
  /** CRC-32 of the stored bytes. */
  crc: number;
  /** BlockFlag bits. */
  flags: number;
}

function encodeHeader(meta: ChunkMeta, codec: Codec, entries: number, from: bigint, through: bigint): Buffer {
  checkSegment('tenant', meta.tenant);
  checkFingerprint(meta.fingerprint);
  if (!Number.isSafeInteger(meta.maxSeq) || meta.maxSeq < 0) throw new Error(`maxSeq ${meta.maxSeq} is not a sequence number`);
  const tenant = Buffer.from(meta.tenant, 'utf8');
  if (tenant.length > 0xffff) throw new Error('tenant id longer than 65535 bytes');
  const labels = Buffer.from(formatLabels(meta.labels), 'utf8');
  const h = Buffer.alloc(4 + 4 + 2 + tenant.length + 8 + 8 + 4 + 8 + 8 + 4 + labels.length + 4);
  let at = MAGIC.copy(h, 0);
  h[at++] = VERSION;
  h[at++] = codec;
  at = h.writeUInt16LE(0, at);
  at = h.writeUInt16LE(tenant.length, at);
  at += tenant.copy(h, at);
  at += Buffer.from(meta.fingerprint, 'hex').copy(h, at);
  at = h.writeBigUInt64LE(BigInt(meta.maxSeq), at);
  at = h.writeUInt32LE(entries, at);
  at = h.writeBigInt64LE(from, at);
  at = h.writeBigInt64LE(through, at);
  at = h.writeUInt32LE(labels.length, at);
  at += labels.copy(h, at);
  h.writeUInt32LE(crc32(h, 0, at), at);
  return h;
}

const metaBytes = (meta: Labels | undefined): number => {
  let n = 2;
  for (const [k, v] of meta ?? []) n += 2 + Buffer.byteLength(k) + 4 + Buffer.byteLength(v);
  return n;
};

/** What entry i adds to a block's raw size, as blocks are cut: timestamp, length, line, and its metadata if it has any. */
export function entrySize(e: EntryColumns, i: number): number {
  const m = e.metadata?.[i];
  return 12 + e.offsets[i + 1] - e.offsets[i] + (m?.length ? metaBytes(m) : 0);
}

/** The raw (column-wise) size of entries [from, to). */
function rawSize(b: EntryColumns, from: number, to: number, withMeta: boolean): number {
  let size = 12 * (to - from) + b.offsets[to] - b.offsets[from];
  if (withMeta) for (let i = from; i < to; i++) size += metaBytes(b.metadata![i]);
  return size;
}

/** Writes the raw (column-wise) bytes of entries [from, to) at the start of `out`. */
function rawBlock(b: EntryColumns, from: number, to: number, withMeta: boolean, out: Buffer): void {
  const n = to - from;
  if (LITTLE_ENDIAN) out.set(new Uint8Array(b.ts.buffer, b.ts.byteOffset + from * 8, n * 8), 0);
  else for (let i = 0; i < n; i++) out.writeBigInt64LE(b.ts[from + i], i * 8);
  let at = 8 * n;
  for (let i = from; i < to; i++) at = out.writeUInt32LE(b.offsets[i + 1] - b.offsets[i], at);
  at += b.lines.copy(out, at, b.offsets[from], b.offsets[to]);
  if (withMeta)
    for (let i = from; i < to; i++) {
      const meta = b.metadata![i] ?? [];
      at = out.writeUInt16LE(meta.length, at);
      for (const [k, v] of meta) {
        at = out.writeUInt16LE(Buffer.byteLength(k), at);
        at += out.write(k, at);
        at = out.writeUInt32LE(Buffer.byteLength(v), at);
        at += out.write(v, at);
      }
    }
}

/**
 * Where raw blocks are laid out to be compressed: encoding is synchronous, so one buffer serves
 * every block (a fresh one per block was a page fault per 4 KiB); a block larger than
 * MAX_SCRATCH (a huge line) gets a buffer of its own rather than keeping one that large.
 */
let scratch = Buffer.alloc(0);
const MAX_SCRATCH = 4 << 20;

/** Entries [from, to), ascending and not empty, as one block (lz4 unless told). */
export function encodeBlock(entries: EntryColumns, from: number, to: number, codec: Codec = Codec.lz4): EncodedBlock {
  const w = wordsOf(entries.ts);
  for (let i = from + 1; i < to; i++)
    if (compareAt(w, i, w, i - 1) < 0) throw new Error(`chunk entries out of order at ${i}: ${entries.ts[i]} after ${entries.ts[i - 1]}`);
  let withMeta = false;
  for (let i = from; i < to && entries.metadata; i++) if (entries.metadata[i]?.length) withMeta = true;
  const size = rawSize(entries, from, to, withMeta);
  if (size > MAX_BLOCK_BYTES) throw new Error(`entry at ${entries.ts[from]} makes a block of ${size} bytes, over ${MAX_BLOCK_BYTES}`);
  let stored: Buffer;
  if (codec === Codec.lz4) {
    if (scratch.length < size && size <= MAX_SCRATCH) scratch = Buffer.allocUnsafe(Math.max(size, DEFAULT_BLOCK_SIZE * 2));
    const raw = size <= scratch.length ? scratch : Buffer.allocUnsafe(size);
    rawBlock(entries, from, to, withMeta, raw);
    stored = compressSync(raw.subarray(0, size));
  } else rawBlock(entries, from, to, withMeta, (stored = Buffer.allocUnsafe(size)));
  return { stored, rawLength: size, entries: to - from, lineBytes: entries.offsets[to] - entries.offsets[from], minTs: entries.ts[from], maxTs: entries.ts[to - 1], crc: crc32(stored), flags: withMeta ? BlockFlag.metadata : 0 };
}

/** Entries must be in ascending time order; `codec` is for tests and tools (lz4 unless told). */
export const encodeChunk = (meta: ChunkMeta, entries: EntryBatch, blockSize = DEFAULT_BLOCK_SIZE, codec: Codec = Codec.lz4): EncodedChunk =>
  assembleChunk(meta, encodeBlocks(entries, blockSize, codec), codec);

/** Ascending entries as blocks, each cut once its raw size reaches `blockSize`. */
export function encodeBlocks(entries: EntryColumns, blockSize: number, codec: Codec = Codec.lz4): EncodedBlock[] {
  const n = entries.ts.length;
  const blocks: EncodedBlock[] = [];
  for (let from = 0; from < n; ) {
    let to = from;
    for (let bytes = 0; to < n && (to === from || bytes < blockSize); to++) bytes += entrySize(entries, to);
    blocks.push(encodeBlock(entries, from, to, codec));
    from = to;
  }
  return blocks;
}

/** A chunk of blocks encoded before (a stream's head compresses its blocks as they fill); each must start where the one before ends or later. */
export function assembleChunk(meta: ChunkMeta, blocks: readonly EncodedBlock[], codec: Codec = Codec.lz4): EncodedChunk {
  let n = 0;
  for (let i = 0; i < blocks.length; i++) {
    if (i > 0 && blocks[i].minTs < blocks[i - 1].maxTs)
      throw new Error(`chunk entries out of order at block ${i}: ${blocks[i].minTs} after ${blocks[i - 1].maxTs}`);
    n += blocks[i].entries;
  }
  const header = encodeHeader(meta, codec, n, n ? blocks[0].minTs : 0n, n ? blocks[blocks.length - 1].maxTs : 0n);
  const parts: Buffer[] = [header];
  const idx = Buffer.alloc(4 + blocks.length * BLOCK_INDEX_ENTRY + 4);
  idx.writeUInt32LE(blocks.length, 0);
  let offset = header.length;
  blocks.forEach((b, i) => {
    const e = 4 + i * BLOCK_INDEX_ENTRY;
    idx.writeUInt32LE(offset, e);
    idx.writeUInt32LE(b.stored.length, e + 4);
    idx.writeUInt32LE(b.rawLength, e + 8);
    idx.writeUInt32LE(b.entries, e + 12);
    idx.writeBigInt64LE(b.minTs, e + 16);
    idx.writeBigInt64LE(b.maxTs, e + 24);
    idx.writeUInt32LE(b.crc, e + 32);
    idx.writeUInt32LE(b.flags, e + 36);
    parts.push(b.stored);
    offset += b.stored.length;
  });
  idx.writeUInt32LE(crc32(idx, 0, idx.length - 4), idx.length - 4);
  const trailer = Buffer.alloc(TRAILER);
  trailer.writeUInt32LE(offset, 0);
  trailer.writeUInt32LE(idx.length, 4);
  trailer.writeUInt32LE(n, 8);
  MAGIC.copy(trailer, 12);
  parts.push(idx, trailer);
  const buf = Buffer.concat(parts);
  if (buf.length > 0xffffffff) throw new Error('chunk over 4 GiB');
  // A CRC over bytes followed by their own CRC is a constant: leave the header's and the index's
  // checksums out, or two chunks differing only there (maxSeq, labels) would share a key.
  const h = header.length - 4;
  const idxEnd = offset + idx.length - 4;
  const checksum = crc32(buf, idxEnd + 4, buf.length, crc32(buf, h + 4, idxEnd, crc32(buf, 0, h)));
  return { buf, checksum };
}

const hex16 = (t: bigint) => BigInt.asUintN(64, t).toString(16).padStart(16, '0');

/** `<tenant>/chunks/<fingerprint>/<from>-<through>-<checksum>`, all hex. */
export const chunkKey = (meta: ChunkMeta, from: bigint, through: bigint, checksum: number): string =>
  `${checkSegment('tenant', meta.tenant)}/chunks/${meta.fingerprint}/${hex16(from)}-${hex16(through)}-${(checksum >>> 0).toString(16).padStart(8, '0')}`;
