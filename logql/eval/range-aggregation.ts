// Range aggregations: at each step t, the samples of a series in the window (t - range, t],
// shifted back by offset; line counts and bytes, or unwrapped label values.
import type { Grouping, RangeAggregation } from '../ast.ts';
import type { Labels } from '../batch.ts';
import { formatLabels, labelsKey } from '../labels.ts';
import { parseBytes, parseDuration } from '../parser/units.ts';
import { compileLabelFilter, compilePipeline } from '../pipeline/index.ts';
import { pipelineError } from './errors.ts';
import { groupLabels, groupSeries } from './grouping.ts';
import type { Source } from './source.ts';
import type { Grid, StepSeries } from './steps.ts';

interface Samples {
  labels: Labels;
  ts: bigint[];
  values: number[];
}

function unwrapValue(raw: string | undefined, conversion: string | undefined): number {
  if (raw === undefined) return NaN;
  switch (conversion) {
    case 'bytes':
      return parseBytes(raw);
    case 'duration':
    case 'duration_seconds':
      return parseDuration(raw) / 1e9;
    default:
      return raw.trim() === '' ? NaN : Number(raw);
  }
}

/**
 * `reduceTo`: the grouping of a `sum` around this aggregation, when summing per group first gives
 * the same answer (counts, bytes and sums add up); it keeps one series per group, not per line.
 */
/** Range aggregations whose per-group sum equals the sum of their per-series values. */
export const SUMMABLE = new Set(['count_over_time', 'bytes_over_time', 'rate', 'bytes_rate', 'sum_over_time']);

export async function evalRangeAggregation(e: RangeAggregation, grid: Grid, source: Source, reduceTo?: Grouping): Promise<StepSeries[]> {
  const { range, offset, unwrap, log } = e.range;
  const pipeline = compilePipeline(log.pipeline);
  const first = grid.steps[0] - BigInt(offset);
  const last = grid.steps[grid.steps.length - 1] - BigInt(offset);
  const r = BigInt(range);
  const bySeries = new Map<string, Samples>();
  const post = (unwrap?.postFilters ?? []).map(compileLabelFilter);
  for await (const batch of source.select(log.matchers, first - r + 1n, last + 1n)) {
    pipeline.run(batch, (i, line, labels) => {
      let value = e.op === 'bytes_rate' || e.op === 'bytes_over_time' ? line.length : 1;
      let out: Labels | null = labels;
      if (unwrap) {
        const raw = labels.find(([n]) => n === unwrap.label)?.[1];
        try {
          value = unwrapValue(raw, unwrap.conversion);
        } catch {
          value = NaN;
        }
        out = labels.filter(([n]) => n !== unwrap.label);
        if (Number.isNaN(value) && !out.some(([n]) => n === '__error__'))
          out = [...out, ['__error__', 'SampleExtractionErr'] as const].sort((a, b) => (a[0] < b[0] ? -1 : 1));
        for (const f of post) if (out) out = f(out);
        if (!out) return;
      }
      const err = out.find(([n]) => n === '__error__');
      if (err)
        throw pipelineError(err[1], formatLabels(out));
      if (reduceTo) out = groupLabels(out, reduceTo);
      const key = labelsKey(out);
      let s = bySeries.get(key);
      if (!s) bySeries.set(key, (s = { labels: out, ts: [], values: [] }));
      s.ts.push(batch.ts[i]);
      s.values.push(value);
    });
  }
  const seconds = range / 1e9;
  const series: StepSeries[] = [];
  for (const s of bySeries.values()) {
    const idx = s.ts.map((_, i) => i).sort((a, b) => (s.ts[a] < s.ts[b] ? -1 : s.ts[a] > s.ts[b] ? 1 : 0));
    const ts = idx.map((i) => s.ts[i]);
    const vs = idx.map((i) => s.values[i]);
    let lo = 0;
    let hi = 0;
    const values = grid.steps.map((step) => {
      const t = step - BigInt(offset);
      while (hi < ts.length && ts[hi] <= t) hi++;
      while (lo < hi && ts[lo] <= t - r) lo++;
      if (hi === lo) return undefined;
      return e.op === 'rate_counter' ? counterRate(ts.slice(lo, hi), vs.slice(lo, hi), range) : aggregate(e.op, vs.slice(lo, hi), seconds, e.param);
    });
    series.push({ labels: s.labels, values });
  }
  if (e.op === 'absent_over_time') return absent(e, grid, series);
  return e.grouping ? groupRange(series, e) : series;
}

function aggregate(op: RangeAggregation['op'], v: number[], seconds: number, param?: number): number {
  const sum = () => v.reduce((a, b) => a + b, 0);
  switch (op) {
    case 'count_over_time':
      return v.length;
    case 'rate':
    case 'bytes_rate':
      return sum() / seconds;
    case 'bytes_over_time':
    case 'sum_over_time':
      return sum();
    case 'avg_over_time':
      return sum() / v.length;
    case 'min_over_time':
      return Math.min(...v);
    case 'max_over_time':
      return Math.max(...v);
    case 'first_over_time':
      return v[0];
    case 'last_over_time':
      return v[v.length - 1];
    case 'stdvar_over_time':
    case 'stddev_over_time': {
      const mean = sum() / v.length;
      const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
      return op === 'stdvar_over_time' ? variance : Math.sqrt(variance);
    }
    case 'quantile_over_time':
      return quantile(param ?? 0, v);
    case 'rate_counter':
      throw new Error('rate_counter needs the timestamps: see counterRate');
    case 'absent_over_time':
      return 1;
  }
}

/**
 * rate_counter as Loki 2.8 computes it (its extrapolatedRate): the counter's increase with
 * resets, extrapolated as Prometheus does, where Loki takes the range to start one range
 * before the first sample and to end at the last one. Fewer than two samples give 0.
 */
function counterRate(ts: bigint[], v: number[], rangeNs: number): number {
  if (v.length < 2) return 0;
  const ms = (t: bigint) => Number(t / 1_000_000n);
  const first = ms(ts[0]);
  const last = ms(ts[ts.length - 1]);
  const rangeMs = Math.trunc(rangeNs / 1e6);
  let result = v[v.length - 1] - v[0];
  let lastValue = 0;
  for (const x of v) {
    if (x < lastValue) result += lastValue;
    lastValue = x;
  }
  let toStart = (first - (first - rangeMs)) / 1000;
  const toEnd = 0;
  const sampled = (last - first) / 1000;
  const avg = sampled / (v.length - 1);
  if (result > 0 && v[0] >= 0) {
    const toZero = sampled * (v[0] / result);
    if (toZero < toStart) toStart = toZero;
  }
  const threshold = avg * 1.1;
  let interval = sampled;
  interval += toStart < threshold ? toStart : avg / 2;
  interval += toEnd < threshold ? toEnd : avg / 2;
  return (result * (interval / sampled)) / (rangeNs / 1e9);
}

/** Prometheus' quantile: linear interpolation between closest ranks. */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const v = [...values].sort((a, b) => a - b);
  const rank = q * (v.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, v.length - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - lo);
}

/** by/without on an unwrapped range aggregation: Loki aggregates the samples' results per group. */
function groupRange(series: StepSeries[], e: RangeAggregation): StepSeries[] {
  return groupSeries(series, e.grouping).map((g) => ({
    labels: g.labels,
    values: g.members[0].values.map((_, i) => {
      const vs = g.members.map((m) => m.values[i]).filter((x): x is number => x !== undefined);
      if (!vs.length) return undefined;
      return e.op === 'min_over_time' ? Math.min(...vs) : e.op === 'max_over_time' ? Math.max(...vs) : vs.reduce((a, b) => a + b, 0);
    }),
  }));
}

/** 1 where no series has a sample, labelled by the selector's equality matchers, as Prometheus' absent. */
function absent(e: RangeAggregation, grid: Grid, series: StepSeries[]): StepSeries[] {
  const labels: Labels = e.range.log.matchers.filter((m) => m.op === '=').map((m) => [m.name, m.value] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const values = grid.steps.map((_, i) => (series.some((s) => s.values[i] !== undefined) ? undefined : 1));
  return values.some((v) => v !== undefined) ? [{ labels, values }] : [];
}
