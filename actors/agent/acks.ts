// Which part of a file is acknowledged: lines are read in chunks, each chunk a ticket held by the
// entries made from it until every client has acknowledged (or dropped) them. The offset a
// restart may resume from is the end of the longest run of released tickets from the file's start,
// so a position never passes a line that some client still owes.

export class Ticket {
  /** Holds: one for the reader while it hands the chunk's lines on, one per entry and client. */
  private holds = 1;

  constructor(
    private readonly acks: FileAcks,
    /** The offset just past the chunk's last whole line. */
    readonly end: number,
  ) {}

  hold(n = 1): void {
    this.holds += n;
  }

  release(): void {
    if (--this.holds === 0) this.acks.advance();
  }

  get released(): boolean {
    return this.holds === 0;
  }
}

export class FileAcks {
  private readonly queue: Ticket[] = [];
  private head = 0;
  private drained: Array<() => void> = [];

  /** `onAcked(offset)`: every line before offset is acknowledged. */
  constructor(private readonly onAcked: (offset: number) => void) {}

  /** A ticket for the lines up to `end`, held by the reader until it calls release(). */
  ticket(end: number): Ticket {
    const t = new Ticket(this, end);
    this.queue.push(t);
    return t;
  }

  advance(): void {
    let last: Ticket | undefined;
    while (this.head < this.queue.length && this.queue[this.head].released) last = this.queue[this.head++];
    if (!last) return;
    // shift the released ones out now and then, not per ticket
    if (this.head > 1024 || this.head === this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.onAcked(last.end);
    if (this.head === this.queue.length) for (const d of this.drained.splice(0)) d();
  }

  /** Resolves once every ticket given so far is released (before a tailer starts over on a new file). */
  whenDrained(): Promise<void> {
    if (this.head === this.queue.length) return Promise.resolve();
    return new Promise((r) => this.drained.push(r));
  }
}
