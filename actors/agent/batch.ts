// A batch of entries for one client, grouped by stream, and its two wire forms: the bus's push
// (msgpack, bus/push.ts) and Loki's JSON push body.
import type { BusPushStream } from '../../bus/index.ts';
import type { AgentEntry } from './entry.ts';

/** What an entry adds on the wire beside its line (its time and framing), for the NATS payload bound. */
export const ENTRY_OVERHEAD_BYTES = 32;

interface BatchStream {
  labels: Array<[string, string]>;
  text: string;
  entries: AgentEntry[];
}

export class Batch {
  private readonly streams = new Map<string, BatchStream>();
  /** Line bytes, as promtail's batchsize counts them. */
  bytes = 0;
  entries = 0;
  /** An upper estimate of the encoded size. */
  wireBytes = 0;
  readonly createdAt = Date.now();

  /** `labels`: the stream's sorted labels and their text, which groups entries. */
  add(labels: Array<[string, string]>, text: string, e: AgentEntry, lineBytes: number): void {
    let s = this.streams.get(text);
    if (!s) {
      s = { labels, text, entries: [] };
      this.streams.set(text, s);
      this.wireBytes += text.length + ENTRY_OVERHEAD_BYTES;
    }
    s.entries.push(e);
    this.bytes += lineBytes;
    this.entries++;
    this.wireBytes += lineBytes + ENTRY_OVERHEAD_BYTES;
  }

  toBus(): BusPushStream[] {
    return [...this.streams.values()].map((s) => ({ labels: s.text, entries: s.entries.map((e) => [String(e.ts), e.line]) }));
  }

  toJson(): string {
    return JSON.stringify({
      streams: [...this.streams.values()].map((s) => ({ stream: Object.fromEntries(s.labels), values: s.entries.map((e) => [String(e.ts), e.line]) })),
    });
  }

  /** This client is done with every entry: acknowledged, or given up. */
  release(): void {
    for (const s of this.streams.values()) for (const e of s.entries) for (const t of e.tickets) t.release();
  }
}
