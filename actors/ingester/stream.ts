// One stream's actor: its head of unflushed entries, the chunk being flushed, recently flushed
// chunks kept for queries, and what it has flushed (for replay). Only its own methods touch it.
import { compressSync } from 'lz4-napi';
import { batchFromRows, batchInRange, concatBatches, followEachOther, type EntryBatch, type Row } from '../../model/batch.ts';
import type { Labels } from '../../model/labels.ts';
import type { FlushReason } from './flush.ts';

/** A cut chunk's entries, ascending and without exact duplicates, with the log positions they came from. */
export interface CutChunk {
  batch: EntryBatch;
  minSeq: number;
  maxSeq: number;
}

interface Retained {
  batch: EntryBatch;
  until: number;
}

export class StreamActor {
  private ts: bigint[] = [];
  private lines: Buffer[] = [];
  private meta: Array<Labels | undefined> = [];
  private anyMeta = false;
  private headSeqMin = 0;
  private headSeqMax = 0;
  private rawBytes = 0;
  private measured = 0;
  private measuredAt = 0;
  private remeasureAt = 0;
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
  ) {}

  /**
   * The head's size once LZ4-compressed, for chunk_target_size (Loki compares compressed bytes).
   * Below the target in raw bytes it cannot be over; above, it is measured, and measured again
   * only where the last ratio predicts the target is reached, so a chunk costs a few extra passes.
   */
  compressedBytes(target: number): number {
    if (this.rawBytes < target) return this.rawBytes;
    if (this.measuredAt === 0 || this.rawBytes >= this.remeasureAt) {
      const compressed = compressSync(Buffer.concat(this.lines)).length;
      this.measured = compressed;
      this.measuredAt = this.rawBytes;
      this.remeasureAt = compressed >= target ? Infinity : this.rawBytes * (target / Math.max(compressed, 1));
    }
    return this.measured;
  }

  get headEntries(): number {
    return this.ts.length;
  }

  /** The lowest log sequence whose entries are not yet durable in the store, if any. */
  minUnflushedSeq(): number | undefined {
    if (this.flushing) return this.flushing.minSeq;
    return this.ts.length ? this.headSeqMin : undefined;
  }

  /** Appends a batch that arrived in log message `seq`; entries of a replayed, already flushed message are skipped. */
  append(batch: EntryBatch, seq: number, now: number): void {
    if (seq <= this.flushedSeq) return;
    const n = batch.ts.length;
    if (n === 0) return;
    if (this.ts.length === 0) {
      this.headSeqMin = seq;
      this.firstAppendAt = now;
    }
    this.headSeqMax = seq;
    this.lastAppendAt = now;
    for (let i = 0; i < n; i++) {
      this.ts.push(batch.ts[i]);
      // copy: the batch's buffer belongs to the message
      this.lines.push(Buffer.from(batch.lines.subarray(batch.offsets[i], batch.offsets[i + 1])));
      const m = batch.metadata?.[i];
      this.meta.push(m);
      if (m) this.anyMeta = true;
    }
    this.rawBytes += batch.offsets[n] - batch.offsets[0];
  }

  /** Takes the head as a chunk to flush; the head starts empty. */
  cut(): CutChunk {
    const chunk: CutChunk = {
      batch: this.headBatch(),
      minSeq: this.headSeqMin,
      maxSeq: this.headSeqMax,
    };
    this.ts = [];
    this.lines = [];
    this.meta = [];
    this.anyMeta = false;
    this.rawBytes = 0;
    this.measured = this.measuredAt = this.remeasureAt = 0;
    this.flushing = chunk;
    return chunk;
  }

  /** The flushing chunk is durable: remember how far, keep it readable a while for queries. */
  flushed(retainUntil: number): void {
    const c = this.flushing;
    if (!c) return;
    this.flushedSeq = Math.max(this.flushedSeq, c.maxSeq);
    this.flushing = undefined;
    this.retained.push({ batch: c.batch, until: retainUntil });
  }

  /** Drops retained chunks past their time; true when nothing is left in memory. */
  expire(now: number): boolean {
    if (this.retained.length && this.retained[0].until <= now) this.retained = this.retained.filter((r) => r.until > now);
    return this.ts.length === 0 && !this.flushing && this.retained.length === 0;
  }

  /** Every entry held in memory with start <= ts < end, ascending, as one batch. */
  read(start: bigint, end: bigint): EntryBatch | undefined {
    const parts: EntryBatch[] = [];
    for (const r of this.retained) parts.push(batchInRange(r.batch, start, end));
    if (this.flushing) parts.push(batchInRange(this.flushing.batch, start, end));
    if (this.ts.length) parts.push(batchInRange(this.headBatch(), start, end));
    const some = parts.filter((b) => b.ts.length > 0);
    if (some.length <= 1) return some[0];
    // chunks are cut in arrival order, so they follow each other in time unless pushes came out of order
    if (followEachOther(some)) return concatBatches(some);
    const picked: Row[] = [];
    for (const b of some) for (let i = 0; i < b.ts.length; i++) picked.push([b.ts[i], b.lines.subarray(b.offsets[i], b.offsets[i + 1]), b.metadata?.[i]]);
    picked.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return batchFromRows(this.labels, picked);
  }

  /** The head, sorted by time with exact duplicates (same time, line and metadata) dropped. */
  private headBatch(): EntryBatch {
    const idx = this.ts.map((_, i) => i);
    idx.sort((a, b) => (this.ts[a] < this.ts[b] ? -1 : this.ts[a] > this.ts[b] ? 1 : a - b));
    const rows: Row[] = [];
    for (const i of idx) {
      const prev = rows[rows.length - 1];
      if (prev && prev[0] === this.ts[i] && prev[1].equals(this.lines[i]) && sameMeta(prev[2], this.meta[i])) continue;
      rows.push([this.ts[i], this.lines[i], this.anyMeta ? this.meta[i] : undefined]);
    }
    return batchFromRows(this.labels, rows);
  }
}

const sameMeta = (a: Labels | undefined, b: Labels | undefined) =>
  a === b || (!!a && !!b && a.length === b.length && a.every(([n, v], i) => n === b[i][0] && v === b[i][1]));
