// Log queries: entries in [start, end) through the pipeline, grouped by final labels, the
// `limit` newest (backward) or oldest (forward) across all streams; streams ordered by their
// labels' text, as Loki sorts them. The source has already dropped duplicates: two entries that
// only line_format made equal are both kept, as in Loki.
import type { LogExpr } from '../ast.ts';
import { firstAfter, firstAtOrAfter, sliceBatch, type Direction, type EntryBatch } from '../../model/batch.ts';
import { formatLabels, labelsToObject, type Labels } from '../../model/labels.ts';
import type { StreamResult } from '../results.ts';
import { compilePipeline, type PipelineOptions } from '../pipeline/index.ts';
import { streamHash } from '../../model/stream-hash.ts';
import { CHECK_EVERY, Deadline } from './deadline.ts';
import type { SelectHint, Source } from './source.ts';

/** A kept entry: views into its batch. */
interface Hit {
  ts: bigint;
  line: Buffer;
  labels: Labels;
  /** The stream's hash (Loki's order between streams at one time). */
  hash: bigint;
  /** Arrival order: entries of a stream at one time keep the order they were pushed in. */
  seq: number;
}

/**
 * `interval` (ns, Loki's parameter of log range queries): an entry is returned only when it is at
 * least this far, in the query's direction, from the last one returned, across all streams; the
 * skipped ones do not count towards the limit. `limits`: max_line_size and the deadline.
 */
export async function evalLogQuery(
  expr: LogExpr,
  start: bigint,
  end: bigint,
  direction: Direction,
  limit: number,
  source: Source,
  interval = 0,
  limits: PipelineOptions,
): Promise<StreamResult[]> {
  const pipeline = compilePipeline(expr.pipeline, undefined, limits);
  // the pipeline watches the deadline per line; this, per batch, covers a source slow to read
  const deadline = new Deadline(limits.deadline);
  const forward = direction === 'forward';
  // time in the query's direction; at one time, streams by their hash as Loki merges them, and a
  // stream's entries as pushed (forward) or the reverse (backward), as Loki reads a stream
  const order = (a: Hit, b: Hit) => {
    if (a.ts !== b.ts) return (a.ts < b.ts) === forward ? -1 : 1;
    if (a.hash !== b.hash) return a.hash < b.hash ? -1 : 1;
    return forward ? a.seq - b.seq : b.seq - a.seq;
  };
  // with an interval, which entries count depends on all before them: all are kept until the end
  const all: Hit[] | undefined = interval > 0 ? [] : undefined;
  const best = new Best(limit, order);
  let seq = 0;
  // once `limit` entries are kept, nothing strictly beyond the worst of them can be: the source
  // may stop reading there. Without filters every entry selected is an answer, so only the first
  // `limit` of each holder can be kept.
  const bound = () => best.worst()?.ts;
  const keepsAll = expr.pipeline.every((st) => st.type !== 'lineFilter' && st.type !== 'labelFilter');
  const hint: SelectHint | undefined = all ? undefined : { direction, limit: keepsAll ? limit : undefined, bound };
  // a batch per block: a stream's hash is computed once per label set read, not per batch
  const hashes = new WeakMap<Labels, bigint>();
  for await (const batch of source.select(expr.matchers, start, end, hint)) {
    await deadline.pace(CHECK_EVERY);
    let hash = hashes.get(batch.labels);
    if (hash === undefined) hashes.set(batch.labels, (hash = streamHash(batch.labels)));
    const part = withinBound(batch, bound(), forward);
    pipeline.run(part, (i, line, labels) => {
      const ts = part.ts[i];
      if (ts < start || ts >= end) return;
      const hit = { ts, line, labels, hash, seq: seq++ };
      if (all) all.push(hit);
      else best.offer(hit);
    });
  }
  let hits: Hit[];
  if (all) {
    spaceOut(all, order, BigInt(Math.round(interval)), forward);
    hits = all.slice(0, Math.max(limit, 0));
  } else hits = best.sorted();
  // streams by their labels' text, which also orders them
  const out = new Map<string, StreamResult>();
  for (const h of hits) {
    const text = formatLabels(h.labels);
    let s = out.get(text);
    if (!s) out.set(text, (s = { stream: labelsToObject(h.labels), values: [] }));
    s.values.push([String(h.ts), h.line.toString('utf8')]);
  }
  return [...out].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, s]) => s);
}

/**
 * The `limit` best hits so far, in a heap whose top is the worst of them: a newcomer that beats it
 * takes its place, and one that does not is dropped at once. So memory stays bounded by the limit
 * and a hit that will not be answered dies young, which the collector handles cheaply.
 */
class Best {
  private heap: Hit[] = [];

  constructor(
    private limit: number,
    private order: (a: Hit, b: Hit) => number,
  ) {}

  offer(h: Hit): void {
    const { heap, order } = this;
    if (heap.length < this.limit) {
      heap.push(h);
      for (let i = heap.length - 1; i > 0; ) {
        const up = (i - 1) >> 1;
        if (order(heap[up], heap[i]) >= 0) break;
        [heap[up], heap[i]] = [heap[i], heap[up]];
        i = up;
      }
      return;
    }
    if (heap.length === 0 || order(h, heap[0]) >= 0) return;
    heap[0] = h;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < heap.length && order(heap[l], heap[worst]) > 0) worst = l;
      if (r < heap.length && order(heap[r], heap[worst]) > 0) worst = r;
      if (worst === i) return;
      [heap[worst], heap[i]] = [heap[i], heap[worst]];
      i = worst;
    }
  }

  /** The worst hit kept once the limit is reached: a newcomer must beat it. */
  worst(): Hit | undefined {
    return this.limit > 0 && this.heap.length === this.limit ? this.heap[0] : undefined;
  }

  sorted(): Hit[] {
    return this.heap.sort(this.order);
  }
}

/** A batch without its entries strictly beyond the bound: they cannot be kept, so no filter runs on them. */
function withinBound(b: EntryBatch, bound: bigint | undefined, forward: boolean): EntryBatch {
  if (bound === undefined) return b;
  return forward ? sliceBatch(b, 0, firstAfter(b.ts, bound)) : sliceBatch(b, firstAtOrAfter(b.ts, bound), b.ts.length);
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
