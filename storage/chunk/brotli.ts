// Brotli blocks (codec 2): a stream's head fills LZ4 blocks, cheap to write and to read while the
// chunk is in memory; at flush time, when the chunk is written once and read many times from the
// store, its blocks are compressed again with Brotli, which stores log lines in about 60% of
// LZ4's bytes, fewer than gzip's, and decodes as fast as zlib's gunzip. The work runs in libuv's
// threads, off the event loop.
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompressSync, constants } from 'node:zlib';
import { uncompressSync } from 'lz4-napi';
import { crc32 } from './crc32.ts';
import type { EncodedBlock } from './encode.ts';

const compress = promisify(brotliCompress);

/**
 * Quality 4 (on the shared load generator's lines: 5.0x line bytes per stored byte, LZ4 3.0x;
 * about 130 MB/s per thread to compress, 550 MB/s to decode). Quality 5 stores 9% less but
 * compresses at half the speed, a cost every pushed byte pays while the cores are busy ingesting.
 */
const QUALITY = 4;
const WINDOW_BITS = 22;

/** The same blocks, LZ4 (the head's codec) compressed again as Brotli. */
export function toBrotli(blocks: readonly EncodedBlock[]): Promise<EncodedBlock[]> {
  return Promise.all(
    blocks.map(async (b) => {
      const raw = uncompressSync(b.stored);
      const stored = await compress(raw, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: QUALITY,
          [constants.BROTLI_PARAM_LGWIN]: WINDOW_BITS,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
        },
      });
      return { ...b, stored, crc: crc32(stored) };
    }),
  );
}

/** A block's raw bytes; never allocates past `rawLength` (the block index's word), so a bomb cannot. */
export const fromBrotli = (stored: Buffer, rawLength: number): Buffer => brotliDecompressSync(stored, { maxOutputLength: Math.max(1, rawLength) });
