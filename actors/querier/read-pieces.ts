// Reads one piece of a sub-query's data (see read-plan.ts): a lone chunk block by block, its
// blocks' bytes loaded in growing batches as the read goes on (Loads), so that a limited log query
// neither fetches nor decompresses the blocks past its bound and a count takes a block by its
// totals without fetching it; chunks and memory that meet in time, merged into one batch without
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
export async function* pieceBatches(f: Fetched, hint?: SelectHint): AsyncGenerator<EntryBatch> {
  const { piece, chunks } = f;
  if (!piece.memory && chunks.length === 1) {
    if (chunks[0]) yield* chunkBatches(f, chunks[0], hint);
    return;
  }
  const parts: EntryBatch[] = [];
  for (const c of chunks) {
    if (!c) continue;
    const wanted = c.blocksIn(f.start, f.end).filter((i) => !pastBound(hint, c.blocks[i].minTs, c.blocks[i].maxTs));
    await c.load(wanted);
    for (const i of wanted) {
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
export async function* pieceCounts(f: Fetched, whole: (minTs: bigint, maxTs: bigint) => boolean): AsyncGenerator<EntryBatch | Span> {
  const c = f.chunks[0];
  if (f.piece.memory || f.chunks.length !== 1 || !c) {
    yield* pieceBatches(f);
    return;
  }
  const takenWhole = (b: (typeof c.blocks)[number]) => lineBytes(b) !== undefined && b.minTs >= f.start && b.maxTs < f.end && whole(b.minTs, b.maxTs);
  const read = c.blocksIn(f.start, f.end).filter((i) => !takenWhole(c.blocks[i]));
  const loads = new Loads(c, read);
  for (const i of c.blocksIn(f.start, f.end)) {
    const b = c.blocks[i];
    if (takenWhole(b)) {
      f.stats.storeEntries += b.entries;
      yield { labels: c.meta.labels, minTs: b.minTs, maxTs: b.maxTs, entries: b.entries, bytes: lineBytes(b)! };
      continue;
    }
    await loads.take(i);
    const batch = blockIn(f, c, i);
    if (batch.ts.length) yield batch;
  }
}

/**
 * A lone chunk's blocks, with a hint in its direction: once a block lies past the bound, so do all
 * after it. Blocks that share a time at their edge are read in time order even backward, so that
 * entries pushed at one time keep their order.
 */
async function* chunkBatches(f: Fetched, c: ChunkReader, hint: SelectHint | undefined): AsyncGenerator<EntryBatch> {
  const runs = touchingRuns(c, c.blocksIn(f.start, f.end));
  if (hint?.direction === 'backward') runs.reverse();
  const loads = new Loads(c, runs.flat());
  for (const run of runs) {
    if (pastBound(hint, c.blocks[run[0]].minTs, c.blocks[run[run.length - 1]].maxTs)) return;
    for (const i of run) {
      if (pastBound(hint, c.blocks[i].minTs, c.blocks[i].maxTs)) continue;
      await loads.take(i);
      const b = blockIn(f, c, i);
      if (b.ts.length) yield b;
    }
  }
}

/** Blocks fetched together at most, once a read has gone on long enough to want them. */
const MAX_BATCH_BLOCKS = 8;

/**
 * A chunk's blocks loaded in the order they will be read, in batches of adjacent blocks fetched by
 * one range read each: the first block alone (a query its first block answers fetches nothing
 * more), then 2, 4, up to MAX_BATCH_BLOCKS, the next batch fetched while the reader is in the last
 * one. A full read takes a few range reads per chunk; at most two batches' bytes are held.
 */
class Loads {
  private readonly pending = new Map<number, Promise<void>>();
  /** Which batch each started block is in. */
  private readonly batchOf = new Map<number, number>();
  private started = 0;
  private batches = 0;

  constructor(
    private readonly c: ChunkReader,
    private readonly order: number[],
  ) {}

  async take(i: number): Promise<void> {
    // blocks the reader skipped (past its bound) are passed over
    while (!this.pending.has(i) && this.started < this.order.length) this.startNext();
    const loading = this.pending.get(i) ?? this.c.load([i]);
    this.pending.delete(i);
    // in the newest batch (not the first block alone), the next batch is fetched meanwhile
    if (this.batches > 1 && this.batchOf.get(i) === this.batches - 1) this.startNext();
    await loading;
  }

  private startNext(): void {
    if (this.started >= this.order.length) return;
    const batch = this.order.slice(this.started, this.started + Math.min(MAX_BATCH_BLOCKS, 2 ** this.batches));
    this.started += batch.length;
    const loading = this.c.load(batch);
    loading.catch(() => undefined); // surfaced when taken; one never taken must not go unhandled
    for (const b of batch) {
      this.pending.set(b, loading);
      this.batchOf.set(b, this.batches);
    }
    this.batches++;
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
