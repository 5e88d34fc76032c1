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
 * A line's read time in ns, never the same twice: Muninn's queriers drop entries of one stream
 * with the same time and line as duplicates, and two equal lines can be read in one ms.
 */
export function readTime(): bigint {
  const now = BigInt(Date.now()) * 1_000_000n;
  lastNs = now > lastNs ? now : lastNs + 1n;
  return lastNs;
}

/** The entry of a line just read, under its target's shared labels, holding its chunk's ticket. */
export function entryOf(line: string, labels: Map<string, string>, ticket: Ticket): AgentEntry {
  ticket.hold();
  return { labels, labelsOwned: false, extracted: new Map(), line, ts: readTime(), tickets: [ticket] };
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
