// One live tail's buffer on its holder: entries wait until their timestamp is delay_for old (as
// Loki's tailer holds them, so late ones still go out in order), then leave in time order, in
// frames of at most 100 entries (Loki's maxEntriesPerTailResponse). The buffer is bounded: when
// entries come faster than they may leave, the newest are dropped and named in the next frame's
// dropped entries, at most 1000 of them (Loki's maxDroppedEntriesPerTailResponse).
import type { TailFrame, TailSink } from '../../bus/index.ts';
import { msToNs } from '../../model/time.ts';

/** An entry on its way: its final labels as a JSON object's text, its time and its final line. */
export interface TailEntry {
  ts: bigint;
  labels: string;
  line: string;
}

/** Loki's maxEntriesPerTailResponse. */
const FRAME_ENTRIES = 100;
/**
 * A frame's lines, counted in string length (free, where bytes are not): at three UTF-8 bytes a
 * unit at most, a frame stays under nats-server's default max_payload of 1 MiB.
 */
const FRAME_CHARS = 256 * 1024;
/** Loki's maxDroppedEntriesPerTailResponse: past it drops are not even named. */
const MAX_DROPPED = 1000;
/** Entries held at once: five seconds of delay at 2,000 lines a second. */
export const MAX_PENDING_ENTRIES = 10_000;
/** Line characters held at once. */
const MAX_PENDING_CHARS = 16 * 1024 * 1024;
/** How long history entries are remembered, so the same entry arriving live as well is sent once. */
const HISTORY_OVERLAP_MS = 10_000;

export class TailSession {
  private pending: TailEntry[] = [];
  private pendingChars = 0;
  private dropped: Array<[string, string]> = [];
  /** Live entries wait behind the history, which goes first. */
  private historyIn = false;
  /** Keys of the history's entries, while a live copy of one may still come. */
  private historyKeys: Set<string> | undefined;
  private historyUntil = 0;
  /** Entries sent at the last time sent: an exact duplicate (stream, time, line) goes once, as Loki merges. */
  private lastTs: bigint | undefined;
  private readonly lastKeys = new Set<string>();

  constructor(
    /** delay_for, in ns. */
    private readonly delayNs: bigint,
    private readonly sink: TailSink,
  ) {}

  /** Whether a new entry would be dropped: the caller may skip its pipeline. */
  get full(): boolean {
    return this.pending.length >= MAX_PENDING_ENTRIES || this.pendingChars >= MAX_PENDING_CHARS;
  }

  /** A live entry that passed the pipeline. */
  offer(e: TailEntry): void {
    if (this.full) return this.drop(e.labels, e.ts);
    if (this.historyKeys?.has(keyOf(e))) return;
    this.pending.push(e);
    this.pendingChars += e.line.length;
  }

  /** Names an entry left out. */
  drop(labels: string, ts: bigint): void {
    if (this.dropped.length < MAX_DROPPED) this.dropped.push([labels, String(ts)]);
  }

  /** The entries from `start` to the open (the newest `limit`), ahead of every live one. */
  history(entries: TailEntry[], now = Date.now()): void {
    // an entry the ingesters published while the history read their memory is in both
    const keys = new Set(entries.map(keyOf));
    this.pending = [...this.pending.filter((e) => !keys.has(keyOf(e))), ...entries];
    this.pendingChars = this.pending.reduce((n, e) => n + e.line.length, 0);
    this.historyKeys = keys;
    this.historyUntil = now + HISTORY_OVERLAP_MS;
    this.historyIn = true;
  }

  /** Sends, in time order, every entry at least delay_for old. */
  release(now = Date.now()): void {
    if (!this.historyIn) return;
    if (this.historyKeys && now > this.historyUntil) this.historyKeys = undefined;
    if (!this.pending.length) return;
    const cutoff = msToNs(now) - this.delayNs;
    // mostly in order already; sort is stable, so a stream's entries at one time keep theirs
    this.pending.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    let n = 0;
    while (n < this.pending.length && this.pending[n].ts <= cutoff) n++;
    if (!n) return;
    const out = this.pending.slice(0, n);
    this.pending = this.pending.slice(n);
    for (const e of out) this.pendingChars -= e.line.length;
    this.sendAll(out.filter((e) => this.firstSend(e)));
  }

  private firstSend(e: TailEntry): boolean {
    if (e.ts !== this.lastTs) {
      this.lastTs = e.ts;
      this.lastKeys.clear();
    }
    const k = e.labels + '\u0000' + e.line;
    if (this.lastKeys.has(k)) return false;
    this.lastKeys.add(k);
    return true;
  }

  private sendAll(entries: TailEntry[]): void {
    for (let at = 0; at < entries.length; ) {
      let end = at;
      let chars = 0;
      while (end < entries.length && end - at < FRAME_ENTRIES && (end === at || chars + entries[end].line.length <= FRAME_CHARS)) chars += entries[end++].line.length;
      this.sendFrame(entries.slice(at, end));
      at = end;
    }
  }

  /** One frame: runs of one stream's entries, and the drops since the last frame. */
  private sendFrame(entries: TailEntry[]): void {
    const streams: NonNullable<TailFrame['streams']> = [];
    let run: [string, string[], string[]] | undefined;
    for (const e of entries) {
      if (run?.[0] !== e.labels) streams.push((run = [e.labels, [], []]));
      run[1].push(String(e.ts));
      run[2].push(e.line);
    }
    const frame: TailFrame = { streams };
    if (this.dropped.length) frame.dropped = this.dropped;
    if (this.sink.send(frame)) {
      this.dropped = [];
      return;
    }
    // too large for the bus (one huge line): named as dropped with the next frame
    for (const e of entries) this.drop(e.labels, e.ts);
  }
}

const keyOf = (e: TailEntry) => `${e.ts}\u0000${e.labels}\u0000${e.line}`;
