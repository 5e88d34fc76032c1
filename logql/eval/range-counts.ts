// Range aggregations that only count lines or their bytes (count_over_time, rate, bytes_over_time,
// bytes_rate; no unwrap): each window's total is added up with no sample kept per entry. Over a
// bare selector, stretch by stretch with no object, string or pipeline call per entry: a stretch
// that lies whole inside every window it meets is added by its totals (a source gives such a
// stretch of its store as a Span, never decompressed); only windows whose edge cuts a stretch look
// at its times, by binary search. With a pipeline, each surviving entry is added to its windows
// as the pipeline emits it. The answer is what range-aggregation.ts gives, to the last digit.
import type { RangeAggregation } from '../ast.ts';
import { firstAfter, type EntryBatch } from '../../model/batch.ts';
import { formatLabels, labelsKey, type Labels } from '../../model/labels.ts';
import { pipelineError } from '../errors.ts';
import { ERROR } from '../pipeline/label-filter.ts';
import { compilePipeline, type PipelineOptions } from '../pipeline/index.ts';
import type { ParserHints } from '../pipeline/hints.ts';
import { CHECK_EVERY, Deadline } from './deadline.ts';
import type { Source, Span } from './source.ts';
import type { Grid, StepSeries } from './steps.ts';

const COUNTED = new Set(['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate']);

/** Whether the aggregation needs no more of each surviving entry than its time and line length. */
export const countsOnly = (e: RangeAggregation): boolean => COUNTED.has(e.op) && !e.range.unwrap;

/** One series' totals per window, kept as differences: adding to a run of windows costs two writes. */
interface Totals {
  labels: Labels;
  entries: Float64Array;
  bytes: Float64Array | undefined;
}

/** `reduce`: the series labels of an entry's labels (range-aggregation.ts's reducer); `hints`: what the parsers extract. */
export async function evalRangeCounts(e: RangeAggregation, grid: Grid, source: Source, limits: PipelineOptions, reduce: (labels: Labels) => Labels, hints: ParserHints): Promise<StepSeries[]> {
  const { log, offset } = e.range;
  const deadline = new Deadline(limits.deadline);
  const w = new Windows(grid.steps.map((t) => t - BigInt(offset)), BigInt(e.range.range));
  const n = grid.steps.length;
  const withBytes = e.op === 'bytes_over_time' || e.op === 'bytes_rate';
  const byKey = new Map<string, Totals>();
  // a stream's batches share one labels array, and a pipeline gives the same array for labels
  // it gave lately (label-set.ts): a series is looked up by its text once per array
  const byLabels = new WeakMap<Labels, Totals>();
  // labels that are new arrays each time (ids) are not remembered once they are most of them
  let looks = 0;
  let found = 0;
  const seriesOf = (labels: Labels): Totals => {
    let s = byLabels.get(labels);
    looks++;
    if (s) {
      found++;
      return s;
    }
    // a series in error keeps all its labels, so the error names it
    const out = labels.some(([name]) => name === ERROR) ? labels : reduce(labels);
    const key = labelsKey(out);
    s = byKey.get(key);
    if (!s) byKey.set(key, (s = { labels: out, entries: new Float64Array(n + 1), bytes: withBytes ? new Float64Array(n + 1) : undefined }));
    if (looks < 1024 || found * 2 >= looks) byLabels.set(labels, s);
    return s;
  };
  // structured metadata gives each entry labels of its own: the pipeline (even an empty one) makes them
  const bare = log.pipeline.length === 0;
  const pipeline = compilePipeline(log.pipeline, hints, limits);
  const from = w.ends[0] - w.range + 1n;
  const to = w.ends[n - 1] + 1n;
  const pieces = bare && source.count ? source.count(log.matchers, from, to, w.whole) : source.select(log.matchers, from, to);
  for await (const p of pieces) {
    await deadline.pace(CHECK_EVERY);
    if (!('ts' in p)) w.addSpan(seriesOf(p.labels), p);
    else if (bare && !p.metadata) deadline.tick(w.addBatch(seriesOf(p.labels), p, 0, p.ts.length));
    else pipeline.run(p, (i, line, labels) => w.addEntry(seriesOf(labels), p.ts[i], line.length));
  }
  const seconds = e.range.range / 1e9;
  const series: StepSeries[] = [];
  for (const s of byKey.values()) {
    deadline.tick(n);
    const failing = s.labels.find(([name]) => name === ERROR);
    let entries = 0;
    let bytes = 0;
    const values = grid.steps.map((_, k) => {
      entries += s.entries[k];
      if (s.bytes) bytes += s.bytes[k];
      if (entries === 0) return undefined;
      if (failing) throw pipelineError(failing[1], formatLabels(s.labels));
      switch (e.op) {
        case 'count_over_time':
          return entries;
        case 'rate':
          return entries / seconds;
        case 'bytes_over_time':
          return bytes;
        default:
          return bytes / seconds;
      }
    });
    series.push({ labels: s.labels, values });
  }
  return series;
}

/** The windows (end - range, end] of a query's steps, and how a stretch of entries falls into them. */
class Windows {
  constructor(
    /** Each step's window end (its time less the offset), ascending. */
    readonly ends: bigint[],
    readonly range: bigint,
  ) {}

  /** The first window ending at or after t. */
  private firstEnding(t: bigint): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * For a stretch from min to max: windows [a, b) meet it, [c, d) hold it whole (empty when
   * c === d), and the others that meet it, [a, c) and [d, b), are cut by it.
   */
  private cover(min: bigint, max: bigint) {
    const c = this.firstEnding(max);
    return { a: this.firstEnding(min), b: this.firstEnding(max + this.range), c, d: Math.max(c, this.firstEnding(min + this.range)) };
  }

  /** Whether no window's edge cuts a stretch from min to max: its totals are all a count needs. */
  readonly whole = (min: bigint, max: bigint): boolean => {
    const { a, b, c, d } = this.cover(min, max);
    return a === c && d === b;
  };

  addSpan(s: Totals, span: Span): void {
    const { a, b, c, d } = this.cover(span.minTs, span.maxTs);
    if (a !== c || d !== b) throw new Error('a source gave the totals of entries that a window cuts');
    add(s.entries, c, d, span.entries);
    if (s.bytes) add(s.bytes, c, d, span.bytes);
  }

  /** One entry at time t, of `bytes` bytes: into every window (t - range, t] holds it. */
  addEntry(s: Totals, t: bigint, bytes: number): void {
    const a = this.firstEnding(t);
    const b = this.firstEnding(t + this.range);
    add(s.entries, a, b, 1);
    if (s.bytes) add(s.bytes, a, b, bytes);
  }

  /** Entries [lo, hi) of an ascending batch; returns the windows it looked into, as work done. */
  addBatch(s: Totals, batch: EntryBatch, lo: number, hi: number): number {
    const { ts, offsets } = batch;
    const { a, b, c, d } = this.cover(ts[lo], ts[hi - 1]);
    add(s.entries, c, d, hi - lo);
    if (s.bytes) add(s.bytes, c, d, offsets[hi] - offsets[lo]);
    const cut = (k: number) => {
      const end = this.ends[k];
      const first = Math.max(lo, firstAfter(ts, end - this.range));
      const last = Math.min(hi, firstAfter(ts, end));
      if (last <= first) return;
      add(s.entries, k, k + 1, last - first);
      if (s.bytes) add(s.bytes, k, k + 1, offsets[last] - offsets[first]);
    };
    for (let k = a; k < c; k++) cut(k);
    for (let k = d; k < b; k++) cut(k);
    return b - a;
  }
}

/** Adds x to windows [from, to) of a difference array. */
function add(diff: Float64Array, from: number, to: number, x: number): void {
  if (from >= to) return;
  diff[from] += x;
  diff[to] -= x;
}
