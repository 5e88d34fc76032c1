// Brotli blocks (codec 2): a stream's head fills LZ4 blocks, cheap to write and to read while the
// chunk is in memory; at flush time, when the chunk is written once and read many times from the
// store, its blocks are compressed again with Brotli, which stores log lines in about 60% of
// LZ4's bytes, fewer than gzip's, and decodes as fast as zlib's gunzip. The work runs in one of
// libuv's threads at a time, off the event loop.
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompressSync, constants } from 'node:zlib';
import { uncompressSync } from 'lz4-napi';
import { InTurn } from '../../model/in-turn.ts';
import { crc32 } from './crc32.ts';
import type { EncodedBlock } from './encode.ts';

const compress = promisify(brotliCompress);

/**
 * Quality 4 (on the shared load generator's lines: 5.0x line bytes per stored byte, LZ4 3.0x;
 * about 130 MB/s per thread to compress, 550 MB/s to decode). Quality 5 stores 9% less but
 * compresses at half the speed, a cost every pushed byte pays while the cores are busy ingesting.
 * A window of 256 KiB covers a whole block (a larger one only costs each encoder memory).
 */
const PARAMS = {
  [constants.BROTLI_PARAM_QUALITY]: 4,
  [constants.BROTLI_PARAM_LGWIN]: 18,
  [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
};

/**
 * One block compresses at a time in this process: a flush round of many chunks would otherwise
 * queue hundreds of encoders at once on libuv's threads, taking every core (and their memory)
 * from the pushes for seconds; one thread keeps up with what a node ingests.
 */
const turns = new InTurn();

/** The same blocks, LZ4 (the head's codec) compressed again as Brotli. */
export function toBrotli(blocks: readonly EncodedBlock[]): Promise<EncodedBlock[]> {
  return Promise.all(
    blocks.map((b) =>
      turns.run(async () => {
        const raw = uncompressSync(b.stored);
        const stored = await compress(raw, { params: { ...PARAMS, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
        return { ...b, stored, crc: crc32(stored) };
      }),
    ),
  );
}

/** A block's raw bytes; never allocates past `rawLength` (the block index's word), so a bomb cannot. */
export const fromBrotli = (stored: Buffer, rawLength: number): Buffer => brotliDecompressSync(stored, { maxOutputLength: Math.max(1, rawLength) });
