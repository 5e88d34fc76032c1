// Writes a stream's entries as a chunk (see FORMAT.md): header, LZ4 blocks, block index, trailer.
import { compressSync } from 'lz4-napi';
import type { EntryBatch, Labels } from '../../logql/batch.ts';
import { formatLabels } from '../../logql/labels.ts';
import { crc32 } from './crc32.ts';

export const MAGIC = Buffer.from('MNCK');
export const VERSION = 1;
export const Codec = { none: 0, lz4: 1 } as const; // on disk: append only
export const BLOCK_INDEX_ENTRY = 40;
export const TRAILER = 16;
export const DEFAULT_BLOCK_SIZE = 256 * 1024;

export interface ChunkMeta {
  tenant: string;
  /** 16 hex digits. */
  fingerprint: string;
  labels: Labels;
  maxSeq: number;
}

export function encodeHeader(meta: ChunkMeta, codec: number): Buffer {
  const tenant = Buffer.from(meta.tenant, 'utf8');
  const labels = Buffer.from(formatLabels(meta.labels), 'utf8');
  const h = Buffer.alloc(4 + 1 + 1 + 2 + tenant.length + 8 + 8 + 4 + labels.length + 4);
  let at = MAGIC.copy(h, 0);
  h[at++] = VERSION;
  h[at++] = codec;
  at = h.writeUInt16LE(tenant.length, at);
  at += tenant.copy(h, at);
  at += Buffer.from(meta.fingerprint, 'hex').copy(h, at);
  at = h.writeDoubleLE(meta.maxSeq, at);
  at = h.writeUInt32LE(labels.length, at);
  at += labels.copy(h, at);
  h.writeUInt32LE(crc32(h, 0, at), at);
  return h;
}

/** Raw bytes of entries [from, to) of a batch. */
function rawBlock(b: EntryBatch, from: number, to: number): Buffer {
  let size = 0;
  for (let i = from; i < to; i++) {
    size += 8 + 4 + (b.offsets[i + 1] - b.offsets[i]) + 2;
    for (const [n, v] of b.metadata?.[i] ?? []) size += 2 + Buffer.byteLength(n) + 4 + Buffer.byteLength(v);
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = from; i < to; i++) {
    at = out.writeBigInt64LE(b.ts[i], at);
    const len = b.offsets[i + 1] - b.offsets[i];
    at = out.writeUInt32LE(len, at);
    at += b.lines.copy(out, at, b.offsets[i], b.offsets[i + 1]);
    const meta = b.metadata?.[i] ?? [];
    at = out.writeUInt16LE(meta.length, at);
    for (const [n, v] of meta) {
      at = out.writeUInt16LE(Buffer.byteLength(n), at);
      at += out.write(n, at);
      at = out.writeUInt32LE(Buffer.byteLength(v), at);
      at += out.write(v, at);
    }
  }
  return out;
}

export interface EncodedChunk {
  buf: Buffer;
  /** CRC-32 of the whole chunk, part of its key. */
  checksum: number;
}

/** Entries must be in ascending time order. */
export function encodeChunk(meta: ChunkMeta, entries: EntryBatch, blockSize = DEFAULT_BLOCK_SIZE): EncodedChunk {
  const parts: Buffer[] = [encodeHeader(meta, Codec.lz4)];
  let offset = parts[0].length;
  const n = entries.ts.length;
  const index: Buffer[] = [];
  for (let from = 0; from < n; ) {
    let to = from;
    let bytes = 0;
    while (to < n && (to === from || bytes < blockSize)) {
      bytes += 14 + entries.offsets[to + 1] - entries.offsets[to];
      to++;
    }
    const raw = rawBlock(entries, from, to);
    const stored = compressSync(raw);
    const e = Buffer.alloc(BLOCK_INDEX_ENTRY);
    e.writeUInt32LE(offset, 0);
    e.writeUInt32LE(stored.length, 4);
    e.writeUInt32LE(raw.length, 8);
    e.writeUInt32LE(to - from, 12);
    e.writeBigInt64LE(entries.ts[from], 16);
    e.writeBigInt64LE(entries.ts[to - 1], 24);
    e.writeUInt32LE(crc32(stored), 32);
    index.push(e);
    parts.push(stored);
    offset += stored.length;
    from = to;
  }
  const idx = Buffer.alloc(4 + index.length * BLOCK_INDEX_ENTRY + 4);
  idx.writeUInt32LE(index.length, 0);
  index.forEach((e, i) => e.copy(idx, 4 + i * BLOCK_INDEX_ENTRY));
  idx.writeUInt32LE(crc32(idx, 0, idx.length - 4), idx.length - 4);
  const trailer = Buffer.alloc(TRAILER);
  trailer.writeUInt32LE(offset, 0);
  trailer.writeUInt32LE(idx.length, 4);
  trailer.writeUInt32LE(n, 8);
  MAGIC.copy(trailer, 12);
  parts.push(idx, trailer);
  const buf = Buffer.concat(parts);
  return { buf, checksum: crc32(buf) };
}

const hex16 = (t: bigint) => BigInt.asUintN(64, t).toString(16).padStart(16, '0');

export const chunkKey = (meta: ChunkMeta, from: bigint, through: bigint, checksum: number): string =>
  `${meta.tenant}/chunks/${meta.fingerprint}/${hex16(from)}-${hex16(through)}-${checksum.toString(16).padStart(8, '0')}`;
