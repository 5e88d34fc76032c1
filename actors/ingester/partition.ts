// One owned partition of the ingest log: where its replay stands (consumed, the head it must
// reach before it is ready, the reader's lag), what its checkpoint says, and the reader itself.
import type { Checkpoint, PartitionReader } from '../../bus/index.ts';

export class Partition {
  /** Highest log sequence handed to the stream actors. */
  consumed: number;
  /** Stream fingerprint → highest sequence it has flushed, kept while a replay could reach it. */
  readonly flushed: Map<string, number>;
  /** The checkpoint last written, to skip writes that change nothing. */
  written: number;
  /** Messages after the last one read, as the log last said. */
  lag = 0;
  reader: PartitionReader | undefined;
  /** When the reader last handed over a message or found the log's head (reader-watch.ts). */
  progressAt = Date.now();
  /** Lost or handed over: nothing more is read, answered or written for it. */
  dropped = false;
  private caughtUp = false;
  private readonly waiters: Array<() => void> = [];

  constructor(
    readonly id: number,
    checkpoint: Checkpoint,
    /** The log's last sequence for this partition when it was taken: ready once read up to it. */
    readonly head: number,
    /** The checkpoint's revision, to write the next one at (a stale owner's write then fails). */
    public revision: number,
  ) {
    this.consumed = checkpoint.seq - 1;
    this.flushed = new Map(Object.entries(checkpoint.flushed));
    this.written = checkpoint.seq;
    this.lag = Math.max(0, head - this.consumed);
    if (this.consumed >= head) this.markCaughtUp();
  }

  get ready(): boolean {
    return this.caughtUp;
  }

  /** The reader handed over `seq`, with `pending` messages after it. */
  read(seq: number, pending: number): void {
    this.consumed = seq;
    this.lag = pending;
    this.progressAt = Date.now();
    if (seq >= this.head) this.markCaughtUp();
  }

  /** A pull came back empty: nothing is left to read. */
  idle(): void {
    this.lag = 0;
    this.progressAt = Date.now();
    this.markCaughtUp();
  }

  whenReady(): Promise<void> {
    return this.caughtUp ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }

  private markCaughtUp(): void {
    if (this.caughtUp) return;
    this.caughtUp = true;
    for (const w of this.waiters.splice(0)) w();
  }
}
