// Zstandard blocks (codec 3): a stream's head fills LZ4 blocks, cheap to write and to read while
// the chunk is in memory; at flush time, when the chunk is written once and read many times from
// the store, its blocks are compressed again with Zstandard. On the shared load generator's
// lines, at level 6: 5.3x line bytes per stored byte (Brotli at quality 4: 5.1x, LZ4: 3.1x,
// Loki's gzip chunks: 4.75x), about 130 MB/s per thread to compress (Brotli's cost) and 1.4 GB/s
// to decode (twice Brotli's speed): a full scan is mostly decoding. Level 5 stores 5% more,
// level 3 11% more, which would lose the comparison with gzip.
import { setImmediate as turn } from 'node:timers/promises';
import zstd from 'zstd-napi/binding.js';
import { uncompressSync } from 'lz4-napi';
import { crc32 } from './crc32.ts';
import type { EncodedBlock } from './encode.ts';

const LEVEL = 6;

// one context per thread, reused: making one per block costs more than a small block's work
let cctx: zstd.CCtx | undefined;
let dctx: zstd.DCtx | undefined;

/**
 * The same blocks, LZ4 (the head's codec) compressed again with Zstandard. The library compresses
 * on the calling thread: one block at a time, the event loop turning between blocks, so pushes
 * and queries wait at most one block's work (a few milliseconds).
 */
export async function toZstd(blocks: readonly EncodedBlock[]): Promise<EncodedBlock[]> {
  cctx ??= new zstd.CCtx();
  const out: EncodedBlock[] = [];
  for (const b of blocks) {
    await turn();
    const raw = uncompressSync(b.stored);
    const dst = Buffer.allocUnsafe(zstd.compressBound(raw.length));
    // a copy of its size, so the chunk does not hold the bound's larger buffer
    const stored = Buffer.from(dst.subarray(0, cctx.compress(dst, raw, LEVEL)));
    out.push({ ...b, stored, crc: crc32(stored) });
  }
  return out;
}

/** A block's raw bytes, decoded into a buffer of `rawLength` (the block index's word): a frame that says more fails, never allocates. */
export function fromZstd(stored: Buffer, rawLength: number): Buffer {
  dctx ??= new zstd.DCtx();
  const raw = Buffer.allocUnsafe(rawLength);
  return raw.subarray(0, dctx.decompress(raw, stored));
}
