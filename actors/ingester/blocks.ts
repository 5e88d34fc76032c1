// Compressed chunk blocks held in memory (a head's, a cut chunk's kept for queries): the entries
// of a time range, decompressing only the blocks that overlap it.
import { batchInRange, type EntryBatch } from '../../model/batch.ts';
import type { Labels } from '../../model/labels.ts';
import { Codec, decodeBlock, type EncodedBlock } from '../../storage/index.ts';

/** Entries with start <= ts < end, one batch per block that has any, in the blocks' order. */
export function blocksInRange(blocks: readonly EncodedBlock[], labels: Labels, start: bigint, end: bigint): EntryBatch[] {
  const out: EntryBatch[] = [];
  for (const b of blocks) {
    if (b.maxTs < start || b.minTs >= end) continue;
    const part = batchInRange(blockEntries(b, labels), start, end);
    if (part.ts.length) out.push(part);
  }
  return out;
}

/** Every entry of a block (the heads encode blocks with LZ4). */
export const blockEntries = (b: EncodedBlock, labels: Labels): EntryBatch => decodeBlock(b.stored, b, Codec.lz4, labels, 'a block held in memory');
