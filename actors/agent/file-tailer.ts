// Tails one path: reads whole lines from where the positions file says its lines were
// acknowledged, and follows the path through rotation by rename (the old file is read to its end,
// its lines acknowledged, then the new file is read from 0), through copy-truncate and truncation
// (the file shrank below what was read: it is read again from 0), and ends when the path is gone.
// It stops reading while the clients have no room (bounded memory while a batch is unacknowledged).
import { open, stat, type FileHandle } from 'node:fs/promises';
import { FileAcks, type Ticket } from './acks.ts';
import { readTimes } from './entry.ts';
import type { Positions, Stamp } from './positions.ts';

/** Bytes read at a time. */
const CHUNK_BYTES = 256 * 1024;
/** A line longer than this is cut here: a file without newlines must not hold memory without bound. */
const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
const CR = 0x0d;

export interface TailerDeps {
  positions: Positions;
  poll: { minMs: number; maxMs: number };
  /** A line read, with the ticket its entry must hold (hold() it) until it is acknowledged, and its read time. */
  line(text: string, ticket: Ticket, ts: bigint): void;
  /** Resolves when the clients have room for more entries. */
  room(): Promise<void>;
  read(path: string, lines: number, bytes: number): void;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

export class FileTailer {
  private stopped = false;
  private wake: (() => void) | undefined;
  private onStop!: () => void;
  /** Resolves on stop(): waits for room or acknowledgements race it. */
  private readonly stopping = new Promise<void>((r) => (this.onStop = r));
  readonly done: Promise<void>;

  constructor(
    readonly path: string,
    private readonly deps: TailerDeps,
  ) {
    this.done = this.run().catch((err: Error) => deps.log.warn({ path, err: err.message }, 'tailing stopped on an error'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.onStop();
    this.wake?.();
    await this.done;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(r, ms);
      this.wake = () => {
        clearTimeout(t);
        r();
      };
    });
  }

  private async run(): Promise<void> {
    const { positions } = this.deps;
    let fh = await open(this.path, 'r').catch(() => undefined);
    if (!fh) return;
    let ino = (await fh.stat()).ino;
    const saved = positions.get(this.path);
    const size = (await fh.stat()).size;
    // a saved offset counts only for the same file, not past its end (else it was truncated meanwhile)
    const resume = saved && (saved.inode === undefined || saved.inode === ino) && saved.offset <= size;
    let offset = resume ? saved.offset : 0;
    // the lines read past the offset before a stop get the read times they were sent with
    let stamped = resume && saved.inode === ino ? [...(saved.stamps ?? [])] : [];
    this.deps.log.info({ path: this.path, offset }, 'tailing');
    try {
      for (;;) {
        positions.set(this.path, offset, ino);
        const end = await this.readFile(fh, ino, offset, stamped);
        stamped = [];
        if (this.stopped) return;
        await fh.close();
        fh = undefined;
        if (end === 'gone') {
          positions.remove(this.path);
          this.deps.log.info({ path: this.path }, 'file removed; tailing ended');
          return;
        }
        if (end === 'truncated') {
          this.deps.log.info({ path: this.path }, 'file truncated; reading it from the start');
        } else this.deps.log.info({ path: this.path }, 'file rotated; reading the new file from the start');
        // what was stamped of the old content says nothing of the new
        positions.remove(this.path);
        fh = await open(this.path, 'r').catch(() => undefined);
        if (!fh) {
          positions.remove(this.path);
          return;
        }
        ino = (await fh.stat()).ino;
        offset = 0;
      }
    } finally {
      await fh?.close();
    }
  }

  /**
   * Reads `fh` from `start` until the path names another file or none, or the file shrinks; then
   * waits until every line read from it is acknowledged, so the path's position never mixes files.
   */
  private async readFile(fh: FileHandle, ino: number, start: number, stamped: Stamp[]): Promise<'rotated' | 'truncated' | 'gone' | 'stopped'> {
    const acks = new FileAcks((offset) => this.deps.positions.set(this.path, offset, ino));
    const times = new ReadTimes(this.path, ino, stamped, this.deps.positions);
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let carry = Buffer.alloc(0);
    let readAt = start;
    let lineStart = start;
    let idleMs = this.deps.poll.minMs;
    let changed: 'rotated' | 'truncated' | 'gone' | undefined;
    while (!this.stopped) {
      await Promise.race([this.deps.room(), this.stopping]);
      if (this.stopped) break;
      const { bytesRead } = await fh.read(buf, 0, CHUNK_BYTES, readAt);
      if (bytesRead > 0) {
        readAt += bytesRead;
        idleMs = this.deps.poll.minMs;
        changed = undefined;
        const data = carry.length ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
        const used = this.lines(data, lineStart, acks, times, false);
        lineStart += used;
        carry = Buffer.from(data.subarray(used));
        continue;
      }
      // at the end: one more read after seeing the path change, for what was written just before it
      if (changed) {
        if (carry.length) lineStart += this.lines(carry, lineStart, acks, times, true);
        await Promise.race([acks.whenDrained(), this.stopping]);
        return this.stopped ? 'stopped' : changed;
      }
      changed = await this.pathChange(ino, readAt);
      if (!changed) {
        await this.sleep(idleMs);
        idleMs = Math.min(idleMs * 2, this.deps.poll.maxMs);
      }
    }
    return 'stopped';
  }

  private async pathChange(ino: number, readAt: number): Promise<'rotated' | 'truncated' | 'gone' | undefined> {
    const st = await stat(this.path).catch(() => undefined);
    if (!st) return 'gone';
    if (st.ino !== ino) return 'rotated';
    if (st.size < readAt) return 'truncated';
    return undefined;
  }

  /**
   * Hands on the whole lines of `data` (which starts at file offset `at`), and with `all` the last
   * unfinished one too; returns the bytes used. One ticket covers them all.
   */
  private lines(data: Buffer, at: number, acks: FileAcks, times: ReadTimes, all: boolean): number {
    let end = data.lastIndexOf(NEWLINE) + 1;
    if (all || (end === 0 && data.length >= MAX_LINE_BYTES)) end = data.length;
    if (end === 0) return 0;
    const ticket = acks.ticket(at + end);
    // where each line starts and ends (one scan), so that its read time is known before any is handed on
    const starts: number[] = [];
    const ends: number[] = [];
    for (let s = 0; s < end; ) {
      let nl = data.indexOf(NEWLINE, s);
      if (nl < 0 || nl >= end) nl = end;
      starts.push(s);
      ends.push(nl > s && data[nl - 1] === CR ? nl - 1 : nl);
      s = nl + 1;
    }
    const ts = times.of(starts, at, at + end);
    for (let i = 0; i < starts.length; i++) this.deps.line(data.toString('utf8', starts[i], ends[i]), ticket, ts[i]);
    const lines = starts.length;
    this.deps.read(this.path, lines, end);
    ticket.release();
    return end;
  }
}

/**
 * The read times of a file's lines: those of runs stamped before a restart (positions.ts) again,
 * line for line, then new ones, each run recorded in the positions before its lines go on.
 */
class ReadTimes {
  /** The stamped run being read again, and its lines so far. */
  private run = 0;
  private inRun = 0;

  constructor(
    private readonly path: string,
    private readonly ino: number,
    private readonly stamped: Stamp[],
    private readonly positions: Positions,
  ) {}

  /** Times of lines starting at `starts` (offsets into a piece that starts at file offset `at` and ends at `end`). */
  of(starts: number[], at: number, end: number): bigint[] {
    const out: bigint[] = [];
    let i = 0;
    for (; i < starts.length; i++) {
      const o = at + starts[i];
      while (this.run < this.stamped.length && o >= this.stamped[this.run].end) {
        this.run++;
        this.inRun = 0;
      }
      const st = this.stamped[this.run];
      if (!st || o < st.start) break;
      out.push(st.t0 + BigInt(this.inRun++));
    }
    if (i < starts.length) {
      // the rest are read for the first time: one new run, recorded before they are handed on
      this.stamped.length = 0;
      const n = starts.length - i;
      const t0 = readTimes(n);
      this.positions.stamp(this.path, this.ino, { start: at + starts[i], end, t0 });
      for (let k = 0; k < n; k++) out.push(t0 + BigInt(k));
    }
    return out;
  }
}
