// One stream's actor: its head of unflushed entries, the chunk being flushed, recently flushed
// chunks kept for queries, and what it has flushed (for replay). Only its own methods touch it.
import { batchFromRows, concatBatches, followEachOther, type EntryBatch, type Row } from '../../model/batch.ts';
import type { Labels } from '../../model/labels.ts';
import type { EncodedBlock } from '../../storage/index.ts';
import { blocksInRange } from './blocks.ts';
import type { FlushReason } from './flush.ts';
import { Head } from './head.ts';

/**
 * A cut chunk: its blocks, compressed, ascending and without exact duplicates, and the log
 * positions its entries came from.
 */
export interface CutChunk {
  blocks: EncodedBlock[];
  entries: number;
  /** The bytes of its lines (Loki's uncompressed size), for the index. */
  lineBytes: number;
  from: bigint;
  through: bigint;
  minSeq: number;
  maxSeq: number;
}

interface Retained {
  chunk: CutChunk;
  until: number;
}

export class StreamActor {
  private head: Head;
  private headSeqMin = 0;
  private headSeqMax = 0;
  /** Wall-clock ms of the head's first and last append (Loki ages chunks by arrival, not entry time). */
  firstAppendAt = 0;
  lastAppendAt = 0;
  /** The chunk handed to the flusher and not yet durable, and why it was cut. */
  flushing: CutChunk | undefined;
  flushReason: FlushReason | undefined;
  private retained: Retained[] = [];

  constructor(
    readonly tenant: string,
    readonly fp: string,
    readonly labels: Labels,
    readonly labelsText: string,
    readonly partition: number,
    /** Highest ingest-log sequence already in this stream's flushed chunks: replays skip up to it. */
    public flushedSeq: number,
    /** ingester.chunk_block_size: the raw size at which the head compresses a block. */
    private readonly blockSize: number,
  ) {
    this.head = new Head(labels, blockSize);
  }

  /** The head's size as a chunk, for chunk_target_size (head.ts). */
  compressedBytes(target: number): number {
    return this.head.compressedBytes(target);
  }

  get headEntries(): number {
    return this.head.entries;
  }

  /** The lowest log sequence whose entries are not yet durable in the store, if any. */
  minUnflushedSeq(): number | undefined {
    if (this.flushing) return this.flushing.minSeq;
    return this.head.entries ? this.headSeqMin : undefined;
  }

  /**
   * Appends a batch that arrived in log message `seq`; entries of a replayed, already flushed
   * message are skipped. True when the entries were taken (live tails are fed only those).
   */
  append(batch: EntryBatch, seq: number, now: number): boolean {
    if (seq <= this.flushedSeq || batch.ts.length === 0) return false;
    if (this.head.entries === 0) {
      this.headSeqMin = seq;
      this.firstAppendAt = now;
    }
    this.headSeqMax = seq;
    this.lastAppendAt = now;
    this.head.append(batch);
    return true;
  }

  /** Takes the head as a chunk to flush; the head starts empty. */
  cut(): CutChunk {
    const { blocks, entries } = this.head.cut();
    const chunk: CutChunk = {
      blocks,
      entries,
      lineBytes: blocks.reduce((n, b) => n + b.lineBytes, 0),
      from: blocks[0].minTs,
      through: blocks[blocks.length - 1].maxTs,
      minSeq: this.headSeqMin,
      maxSeq: this.headSeqMax,
    };
    this.head = new Head(this.labels, this.blockSize);
    this.flushing = chunk;
    return chunk;
  }

  /**
   * `c` is durable: remember how far, keep it readable a while for queries. Only the chunk still
   * flushing counts: a write that ends after another round wrote the same chunk and the head was
   * cut again must not take the newer chunk, not yet written, for durable.
   */
  flushed(c: CutChunk, retainUntil: number): void {
    if (this.flushing !== c) return;
    this.flushedSeq = Math.max(this.flushedSeq, c.maxSeq);
    this.flushing = undefined;
    this.retained.push({ chunk: c, until: retainUntil });
  }

  /** Drops retained chunks past their time; true when nothing is left in memory. */
  expire(now: number): boolean {
    if (this.retained.length && this.retained[0].until <= now) this.retained = this.retained.filter((r) => r.until > now);
    return this.head.entries === 0 && !this.flushing && this.retained.length === 0;
  }

  /** Chunks cut and still in memory: kept after their flush, or being flushed (the index may hold them too). */
  heldChunks(): CutChunk[] {
    const out = this.retained.map((r) => r.chunk);
    if (this.flushing) out.push(this.flushing);
    return out;
  }

  /** The head's entries as spans, for counting without decompressing (head.ts). */
  headSpans(add: (minTs: bigint, maxTs: bigint, entries: number, lineBytes: number) => void): void {
    this.head.spans(add);
  }

  /** Every entry held in memory with start <= ts < end, ascending, as one batch. */
  read(start: bigint, end: bigint): EntryBatch | undefined {
    const some: EntryBatch[] = [];
    for (const r of this.retained) some.push(...blocksInRange(r.chunk.blocks, this.labels, start, end));
    if (this.flushing) some.push(...blocksInRange(this.flushing.blocks, this.labels, start, end));
    some.push(...this.head.read(start, end));
    if (some.length <= 1) return some[0];
    // chunks are cut in arrival order, so they follow each other in time unless pushes came out of order
    if (followEachOther(some)) return concatBatches(some);
    const picked: Row[] = [];
    for (const b of some) for (let i = 0; i < b.ts.length; i++) picked.push([b.ts[i], b.lines.subarray(b.offsets[i], b.offsets[i + 1]), b.metadata?.[i]]);
    picked.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return batchFromRows(this.labels, picked);
  }
}
