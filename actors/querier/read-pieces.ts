// Reads one piece of a sub-query's data (see read-plan.ts): a lone chunk block by block, so that a
// limited log query leaves out the blocks past its bound and a count takes a block by its totals
// without decompressing it; chunks and memory that meet in time, merged into one batch without
// duplicates.
import { batchInRange, followEachOther, type EntryBatch } from '../../model/batch.ts';
import { pastBound, type SelectHint, type Span } from '../../logql/eval/index.ts';
import { lineBytes, type ChunkReader } from '../../storage/index.ts';
import { mergeBatches } from './merge-batches.ts';
import type { Piece } from './read-plan.ts';
import type { ReadStats } from '../../logql/stats.ts';

/** A piece with its chunks as fetched (undefined: left out, past the bound) and the range to read. */
export interface Fetched {
  piece: Piece;
  chunks: Array<ChunkReader | undefined>;
  start: bigint;
  end: bigint;
  stats: ReadStats;
}

/** The piece's entries in [start, end); with a hint, in its direction and without what lies past its bound. */
export function* pieceBatches(f: Fetched, hint?: SelectHint): Generator<EntryBatch> {
  const { piece, chunks } = f;
  if (!piece.memory && chunks.length === 1) {
    if (chunks[0]) yield* chunkBatches(f, chunks[0], hint);
    return;
  }
  const parts: EntryBatch[] = [];
  for (const c of chunks) {
    if (!c) continue;
    for (const i of c.blocksIn(f.start, f.end)) {
      if (pastBound(hint, c.blocks[i].minTs, c.blocks[i].maxTs)) continue;
      const b = blockIn(f, c, i);
      if (b.ts.length) parts.push(b);
    }
  }
  if (piece.memory) parts.push(piece.memory);
  // parts that follow each other in time hold no entry twice: handed over as they are
  if (followEachOther(parts)) yield* parts;
  else {
    const merged = mergeBatches(parts);
    for (const p of parts) f.stats.duplicates += p.ts.length;
    f.stats.duplicates -= merged.ts.length;
    yield merged;
  }
}

/**
 * For a count: the piece's entries in [start, end), except that a block of a lone chunk for which
 * `whole` holds comes as a Span made from its index entry alone (not one with metadata, whose
 * entries each have labels of their own, nor one the range cuts).
 */
export function* pieceCounts(f: Fetched, whole: (minTs: bigint, maxTs: bigint) => boolean): Generator<EntryBatch | Span> {
  const c = f.chunks[0];
  if (f.piece.memory || f.chunks.length !== 1 || !c) {
    yield* pieceBatches(f);
    return;
  }
  for (const i of c.blocksIn(f.start, f.end)) {
    const b = c.blocks[i];
    const bytes = lineBytes(b);
    if (bytes !== undefined && b.minTs >= f.start && b.maxTs < f.end && whole(b.minTs, b.maxTs)) {
      f.stats.storeEntries += b.entries;
      yield { labels: c.meta.labels, minTs: b.minTs, maxTs: b.maxTs, entries: b.entries, bytes };
      continue;
    }
    const batch = blockIn(f, c, i);
    if (batch.ts.length) yield batch;
  }
}

/**
 * A lone chunk's blocks, with a hint in its direction: once a block lies past the bound, so do all
 * after it. Blocks that share a time at their edge are read in time order even backward, so that
 * entries pushed at one time keep their order.
 */
function* chunkBatches(f: Fetched, c: ChunkReader, hint: SelectHint | undefined): Generator<EntryBatch> {
  const runs = touchingRuns(c, c.blocksIn(f.start, f.end));
  if (hint?.direction === 'backward') runs.reverse();
  for (const run of runs) {
    if (pastBound(hint, c.blocks[run[0]].minTs, c.blocks[run[run.length - 1]].maxTs)) return;
    for (const i of run) {
      if (pastBound(hint, c.blocks[i].minTs, c.blocks[i].maxTs)) continue;
      const b = blockIn(f, c, i);
      if (b.ts.length) yield b;
    }
  }
}

/** Blocks (indices in time order) grouped where one starts at the time the one before it ends. */
function touchingRuns(c: ChunkReader, blocks: number[]): number[][] {
  const runs: number[][] = [];
  for (const i of blocks) {
    const last = runs[runs.length - 1];
    if (last && c.blocks[last[last.length - 1]].maxTs === c.blocks[i].minTs) last.push(i);
    else runs.push([i]);
  }
  return runs;
}

/** Block i's entries in the piece's range. */
function blockIn(f: Fetched, c: ChunkReader, i: number): EntryBatch {
  const b = batchInRange(c.readBlock(i), f.start, f.end);
  f.stats.storeEntries += b.ts.length;
  return b;
}
