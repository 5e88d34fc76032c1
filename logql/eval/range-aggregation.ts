// Range aggregations: at each step t, the samples of a series in the window (t - range, t],
// shifted back by offset; line counts and bytes, or unwrapped label values. Series labels are
// reduced when samples are extracted (by/without, and a summing parent's grouping), as Loki does,
// so a group's window holds the samples of all its streams.
import type { Grouping, RangeAggregation, Unwrap } from '../ast.ts';
import type { Matcher } from '../../model/matchers.ts';
import { formatLabels, labelsKey, sortLabels, type Labels } from '../../model/labels.ts';
import { filterNames, parserHints, requiredLabelNames, type ParserHints } from '../pipeline/hints.ts';
import { ERROR, ERROR_DETAILS } from '../pipeline/label-filter.ts';
import { compileLabelFilter, compilePipeline, type PipelineOptions } from '../pipeline/index.ts';
import { CHECK_EVERY, Deadline } from './deadline.ts';
import { pipelineError } from '../errors.ts';
import { aggregateWindow } from './range-functions.ts';
import { countsOnly, evalRangeCounts } from './range-counts.ts';
import type { Source } from './source.ts';
import type { Grid, StepSeries } from './steps.ts';
import { ConversionError } from '../go-convert.ts';
import { convertUnwrapped } from './unwrap.ts';

/** Range aggregations whose per-group sum equals the sum of their per-series values (Loki's canInjectVectorGrouping). */
export const SUMMABLE = new Set(['count_over_time', 'bytes_over_time', 'rate', 'bytes_rate', 'sum_over_time']);

interface Samples {
  labels: Labels;
  ts: bigint[];
  values: number[];
}

/**
 * The labels a sample's series gets. `grouping` is the aggregation's own by/without, or a summing
 * parent's when it has none. Unwrapped samples lose the unwrapped label unless `by` names it.
 */
function reducer(grouping: Grouping | undefined, unwrap: Unwrap | undefined): (labels: Labels) => Labels {
  if (grouping && !grouping.without) {
    const keep = new Set(grouping.labels);
    return (labels) => labels.filter(([n]) => keep.has(n));
  }
  const drop = new Set(grouping?.labels ?? []);
  if (unwrap) drop.add(unwrap.label);
  if (drop.size === 0) return (labels) => labels;
  return (labels) => labels.filter(([n]) => !drop.has(n));
}

/** Marks a failed conversion as Loki does: __error__ replaced, __error_details__ set to Go's text. */
function withConversionError(labels: Labels, details: string): Labels {
  const rest = labels.filter(([n]) => n !== ERROR && n !== ERROR_DETAILS);
  return sortLabels([...rest, [ERROR, 'SampleExtractionErr'], [ERROR_DETAILS, details]]);
}

/** What the parsers must extract for this aggregation, by Loki's rule (see pipeline/hints.ts). */
function hintsFor(e: RangeAggregation, parentGrouping: Grouping | undefined): ParserHints {
  const grouping = e.grouping ?? parentGrouping;
  let groups = grouping?.labels ?? [];
  let without = grouping?.without ?? false;
  const noLabels = (grouping !== undefined && groups.length === 0) || e.op === 'absent_over_time';
  const { unwrap, log } = e.range;
  const required = requiredLabelNames(log.pipeline);
  if (!unwrap) return parserHints(required, groups, without, noLabels);
  // an unwrap keeps every label but the unwrapped one unless it groups by some
  if (groups.length === 0 || without) {
    without = true;
    groups = [...groups, unwrap.label];
  }
  for (const f of unwrap.postFilters) filterNames(f, required);
  return parserHints(required, groups, without, noLabels, unwrap.label);
}

/** `limits`: max_line_size and the deadline, for the pipeline and for the walk over the steps. */
export async function evalRangeAggregation(e: RangeAggregation, grid: Grid, source: Source, limits: PipelineOptions, parentGrouping?: Grouping): Promise<StepSeries[]> {
  const { range, offset, unwrap, log } = e.range;
  const reduce = reducer(e.grouping ?? parentGrouping, unwrap);
  if (countsOnly(e)) return evalRangeCounts(e, grid, source, limits, reduce, hintsFor(e, parentGrouping));
  const pipeline = compilePipeline(log.pipeline, hintsFor(e, parentGrouping), limits);
  const deadline = new Deadline(limits.deadline);
  const post = (unwrap?.postFilters ?? []).map(compileLabelFilter);
  const bytes = e.op === 'bytes_rate' || e.op === 'bytes_over_time';
  const first = grid.steps[0] - BigInt(offset);
  const last = grid.steps[grid.steps.length - 1] - BigInt(offset);
  const r = BigInt(range);
  const bySeries = new Map<string, Samples>();
  // Entries at exactly the last step count, as in Loki 3 (grafana/loki#13448): Loki 2.8 read up to
  // that time exclusive and so lost them at the end of every split of a range query.
  const from = first - r + 1n;
  const to = last + 1n;
  for await (const batch of source.select(log.matchers, from, to)) {
    await deadline.pace(CHECK_EVERY);
    pipeline.run(batch, (i, line, labels) => {
      const ts = batch.ts[i];
      if (ts < from || ts >= to) return;
      let value = bytes ? line.length : 1;
      let out: Labels | null = labels;
      if (unwrap) {
        const raw = labels.find(([n]) => n === unwrap.label)?.[1];
        // Loki skips a line without the label (or with it empty): not an error (loki#6713)
        if (raw === undefined || raw === '') return;
        try {
          value = convertUnwrapped(raw, unwrap.conversion);
        } catch (err) {
          if (!(err instanceof ConversionError)) throw err;
          value = 0;
          out = withConversionError(labels, err.message);
        }
        for (const f of post) if (out) out = f(out);
        if (!out) return;
      }
      // a sample in error keeps all its labels, so the error names its series
      if (!out.some(([n]) => n === ERROR)) out = reduce(out);
      const key = labelsKey(out);
      let s = bySeries.get(key);
      if (!s) bySeries.set(key, (s = { labels: out, ts: [], values: [] }));
      s.ts.push(ts);
      s.values.push(value);
    });
  }
  const series: StepSeries[] = [];
  for (const s of bySeries.values()) {
    // many series times many steps is long even when each window is short
    deadline.tick(grid.steps.length + s.ts.length);
    const w = sortedSamples(s);
    const failing = s.labels.find(([n]) => n === ERROR);
    let lo = 0;
    let hi = 0;
    const values: Array<number | undefined> = [];
    for (const step of grid.steps) {
      // a window's aggregate (a quantile sorts it) may be long: other sub-queries go on meanwhile
      const pause = deadline.pace();
      if (pause) await pause;
      const t = step - BigInt(offset);
      while (hi < w.ts.length && w.ts[hi] <= t) hi++;
      while (lo < hi && w.ts[lo] <= t - r) lo++;
      if (hi === lo) {
        values.push(undefined);
        continue;
      }
      if (failing) throw pipelineError(failing[1], formatLabels(s.labels));
      values.push(aggregateWindow(e.op, { ts: w.ts, values: w.values, lo, hi }, range, unwrap !== undefined, e.param));
    }
    series.push({ labels: s.labels, values });
  }
  if (e.op === 'absent_over_time') return absent(log.matchers, series, grid.steps.length);
  return series;
}

/** A series' samples in time order (a group's streams interleave; the source has dropped duplicates). */
function sortedSamples(s: Samples): { ts: bigint[]; values: number[] } {
  let ordered = true;
  for (let i = 1; i < s.ts.length && ordered; i++) if (s.ts[i] < s.ts[i - 1]) ordered = false;
  if (ordered) return s;
  const idx = Array.from({ length: s.ts.length }, (_, i) => i).sort((a, b) => (s.ts[a] < s.ts[b] ? -1 : s.ts[a] > s.ts[b] ? 1 : a - b));
  return { ts: idx.map((i) => s.ts[i]), values: idx.map((i) => s.values[i]) };
}

/**
 * Loki's absent labels: the selector's equality matchers; a name matched twice, or by any other
 * operator, is left out.
 */
export function absentLabels(matchers: Matcher[]): Labels {
  const m = new Map<string, string>();
  const unset = new Set<string>();
  for (const x of matchers) {
    if (x.name === '__name__') continue;
    if (x.op === '=' && !m.has(x.name)) m.set(x.name, x.value);
    else unset.add(x.name);
  }
  for (const n of unset) m.delete(n);
  return sortLabels([...m]);
}

/** 1 at each step where no series has a sample. */
function absent(matchers: Matcher[], series: StepSeries[], steps: number): StepSeries[] {
  const values = Array.from({ length: steps }, (_, i) => (series.some((s) => s.values[i] !== undefined) ? undefined : 1));
  return values.some((v) => v !== undefined) ? [{ labels: absentLabels(matchers), values }] : [];
}
