// An entry on its way through the agent: read from a line, shaped by the pipeline, batched by the
// clients. It holds its file's tickets (acks.ts) until every client is done with it.
import type { Ticket } from './acks.ts';

export interface AgentEntry {
  /** Shared by the entries of a target until a stage changes them: copy with ownLabels() first. */
  labels: Map<string, string>;
  labelsOwned: boolean;
  /** Values stages extracted (promtail's extracted map): strings, numbers, booleans or null. */
  extracted: Map<string, unknown>;
  line: string;
  /** Nanoseconds since the epoch. */
  ts: bigint;
  /** One per chunk its lines came from (several for a multiline entry). */
  tickets: Ticket[];
}

let lastNs = 0n;
/**
 * Read times for `n` lines read together: the first is now in ns (or one past the last given),
 * the others follow it by 1 ns each, never the same twice (Muninn's queriers drop entries of one
 * stream with the same time and line as duplicates, and two equal lines can be read in one ms).
 * Lines stamped from a chunk's first time get the same times when read again after a restart
 * (positions.ts keeps it), so a resent line is such a duplicate.
 */
export function readTimes(n: number): bigint {
  const now = BigInt(Date.now()) * 1_000_000n;
  const t0 = now > lastNs ? now : lastNs + 1n;
  lastNs = t0 + BigInt(Math.max(n, 1) - 1);
  return t0;
}

/** The entry of a line just read, under its target's shared labels, holding its chunk's ticket. */
export function entryOf(line: string, labels: Map<string, string>, ticket: Ticket, ts: bigint): AgentEntry {
  ticket.hold();
  return { labels, labelsOwned: false, extracted: new Map(), line, ts, tickets: [ticket] };
}

/** The entry's labels, made its own before a stage changes them. */
export function ownLabels(e: AgentEntry): Map<string, string> {
  if (!e.labelsOwned) {
    e.labels = new Map(e.labels);
    e.labelsOwned = true;
  }
  return e.labels;
}

/** An extracted value as promtail's getString makes it a string; undefined when it cannot. */
export function valueString(v: unknown): string | undefined {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}
