// Log queries: entries in [start, end) through the pipeline, grouped by final labels, the
// `limit` newest (backward) or oldest (forward) across all streams; streams ordered by their
// labels' text, as Loki sorts them. The source has already dropped duplicates: two entries that
// only line_format made equal are both kept, as in Loki.
import type { LogExpr } from '../ast.ts';
import type { Direction, Labels, StreamResult } from '../batch.ts';
import { formatLabels, labelsKey, labelsToObject } from '../labels.ts';
import { compilePipeline } from '../pipeline/index.ts';
import type { Source } from './source.ts';

/** A kept entry: views into its batch; the labels' key is made only when a tie needs it. */
interface Hit {
  ts: bigint;
  line: Buffer;
  labels: Labels;
  /** Arrival order: entries of a stream at one time keep the order they were pushed in. */
  seq: number;
  key?: string;
}

const keyOf = (h: Hit) => (h.key ??= labelsKey(h.labels));

/**
 * `interval` (ns, Loki's parameter of log range queries): an entry is returned only when it is at
 * least this far, in the query's direction, from the last one returned, across all streams; the
 * skipped ones do not count towards the limit.
 */
export async function evalLogQuery(expr: LogExpr, start: bigint, end: bigint, direction: Direction, limit: number, source: Source, interval = 0): Promise<StreamResult[]> {
  const pipeline = compilePipeline(expr.pipeline);
  const hits: Hit[] = [];
  /** Once `limit` hits are kept, an entry past the last of them cannot make it: skipped early. */
  let cutoff: bigint | undefined;
  // keep at most a few times the limit between trims, so memory stays bounded by the limit
  const trimAt = Math.max(limit * 4, 4096);
  const forward = direction === 'forward';
  // time in the query's direction; ties by labels, then as pushed (forward) or the reverse
  // (backward), as Loki reads a stream
  const order = (a: Hit, b: Hit) => {
    if (a.ts !== b.ts) return (a.ts < b.ts) === forward ? -1 : 1;
    const ka = keyOf(a);
    const kb = keyOf(b);
    return ka < kb ? -1 : ka > kb ? 1 : forward ? a.seq - b.seq : b.seq - a.seq;
  };
  const trim = () => {
    hits.sort(order);
    hits.length = Math.min(hits.length, limit);
    if (hits.length >= limit) cutoff = hits[hits.length - 1].ts;
  };
  let seq = 0;
  for await (const batch of source.select(expr.matchers, start, end)) {
    pipeline.run(batch, (i, line, labels) => {
      const ts = batch.ts[i];
      if (ts < start || ts >= end) return;
      if (cutoff !== undefined && (forward ? ts > cutoff : ts < cutoff)) return;
      hits.push({ ts, line, labels, seq: seq++ });
    });
    // with an interval, which entries count depends on all before them: no early trim
    if (hits.length > trimAt && interval <= 0) trim();
  }
  if (interval > 0) spaceOut(hits, order, BigInt(Math.round(interval)), forward);
  trim();
  const out = new Map<string, StreamResult & { text: string }>();
  for (const h of hits) {
    const key = keyOf(h);
    let s = out.get(key);
    if (!s) out.set(key, (s = { stream: labelsToObject(h.labels), values: [], text: formatLabels(h.labels) }));
    s.values.push([String(h.ts), h.line.toString('utf8')]);
  }
  return [...out.values()].sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0)).map(({ stream, values }) => ({ stream, values }));
}

/** Keeps, in query order, only entries at least `interval` past the last kept one. */
function spaceOut(hits: Hit[], order: (a: Hit, b: Hit) => number, interval: bigint, forward: boolean) {
  hits.sort(order);
  let n = 0;
  let last: bigint | undefined;
  for (const h of hits) {
    if (last !== undefined && (forward ? h.ts < last + interval : h.ts > last - interval)) continue;
    hits[n++] = h;
    last = h.ts;
  }
  hits.length = n;
}
