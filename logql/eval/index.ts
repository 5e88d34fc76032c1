// Evaluates a parsed LogQL query over a Source: log queries to streams, metric queries to
// matrices (range), vectors (instant) or scalars, in Loki's result shapes.
import RE2 from 're2';
import type { Expr, LabelReplaceExpr, SampleExpr } from '../ast.ts';
import type { Direction, Labels, QueryResult } from '../batch.ts';
import { labelsToObject } from '../labels.ts';
import { evalBinary } from './binary.ts';
import { QueryError } from './errors.ts';
import { evalLogQuery } from './log-query.ts';
import { evalRangeAggregation, SUMMABLE } from './range-aggregation.ts';
import type { Source } from './source.ts';
import { gridOf, type Evaluated, type Grid, type StepSeries } from './steps.ts';
import { evalVectorAggregation } from './vector-aggregation.ts';

export { QueryError } from './errors.ts';
export { alignedRange } from './steps.ts';
export type { Source } from './source.ts';

export interface QueryParams {
  /** ns; an instant query has start === end === its time. */
  start: bigint;
  end: bigint;
  /** ns, range queries. */
  step: number;
  interval?: number;
  direction: Direction;
  limit: number;
  instant: boolean;
  /** limits_config.max_query_series, default 500. */
  maxSeries?: number;
}

export async function evaluate(expr: Expr, params: QueryParams, source: Source): Promise<QueryResult> {
  if (expr.kind === 'log') {
    const end = params.instant ? params.end + 1n : params.end;
    return { resultType: 'streams', result: await evalLogQuery(expr, params.start, end, params.direction, params.limit, source) };
  }
  const grid = gridOf(params.start, params.end, params.step, params.instant);
  const v = await evalSample(expr, grid, source);
  const seconds = (t: bigint) => Number(t / 1_000_000n) / 1000;
  if (v.kind === 'scalar') {
    if (params.instant) return { resultType: 'scalar', result: [seconds(grid.steps[0]), fmt(v.values[0])] };
    return { resultType: 'matrix', result: [{ metric: {}, values: grid.steps.map((t, i) => [seconds(t), fmt(v.values[i])]) }] };
  }
  const series = v.series.filter((s) => s.values.some((x) => x !== undefined));
  const max = params.maxSeries ?? 500;
  if (max > 0 && series.length > max) throw new QueryError(`maximum number of series (${max}) reached for a single query`);
  if (params.instant) {
    const result = series.map((s) => ({ metric: labelsToObject(s.labels), value: [seconds(grid.steps[0]), fmt(s.values[0]!)] as [number, string] }));
    if (expr.kind === 'vector' && (expr.op === 'sort' || expr.op === 'sort_desc')) {
      const sign = expr.op === 'sort' ? 1 : -1;
      result.sort((a, b) => sign * (Number(a.value[1]) - Number(b.value[1])));
    }
    return { resultType: 'vector', result };
  }
  return {
    resultType: 'matrix',
    result: series
      .map((s) => ({
        metric: labelsToObject(s.labels),
        values: grid.steps.flatMap((t, i) => (s.values[i] === undefined ? [] : [[seconds(t), fmt(s.values[i]!)] as [number, string]])),
      }))
      .sort((a, b) => (JSON.stringify(a.metric) < JSON.stringify(b.metric) ? -1 : 1)),
  };
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64), with Prometheus' spellings of the specials. */
function fmt(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  if (!/e/.test(s)) return s;
  return v.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

async function evalSample(e: SampleExpr, grid: Grid, source: Source): Promise<Evaluated> {
  const n = grid.steps.length;
  switch (e.kind) {
    case 'literal':
      return { kind: 'scalar', values: new Array(n).fill(e.value) };
    case 'vectorLiteral':
      return { kind: 'vector', series: [{ labels: [], values: new Array(n).fill(e.value) }] };
    case 'range':
      return { kind: 'vector', series: await evalRangeAggregation(e, grid, source) };
    case 'vector': {
      const i = e.inner;
      const pushDown = e.op === 'sum' && i.kind === 'range' && !i.grouping && SUMMABLE.has(i.op);
      const inner: Evaluated = pushDown
        ? { kind: 'vector', series: await evalRangeAggregation(i, grid, source, e.grouping ?? { without: false, labels: [] }) }
        : await evalSample(i, grid, source);
      if (inner.kind === 'scalar') throw new QueryError(`${e.op} needs a vector, not a scalar`);
      return { kind: 'vector', series: evalVectorAggregation(e, inner.series, n) };
    }
    case 'binary':
      return evalBinary(e, await evalSample(e.left, grid, source), await evalSample(e.right, grid, source), n);
    case 'labelReplace': {
      const inner = await evalSample(e.inner, grid, source);
      if (inner.kind === 'scalar') throw new QueryError('label_replace needs a vector, not a scalar');
      return { kind: 'vector', series: inner.series.map((s) => labelReplace(e, s)) };
    }
  }
}

/** Prometheus' label_replace: a full-string RE2 match of src sets dst from the replacement. */
function labelReplace(e: LabelReplaceExpr, s: StepSeries): StepSeries {
  const re = new RE2(`^(?:${e.regex})$`);
  const src = s.labels.find(([n]) => n === e.src)?.[1] ?? '';
  const m = re.exec(src);
  if (!m) return s;
  const value = e.replacement.replace(/\$(\d+)|\$\{(\w+)\}/g, (_, d, name) => (d !== undefined ? (m[Number(d)] ?? '') : (m.groups?.[name] ?? '')));
  const map = new Map<string, string>(s.labels);
  if (value === '') map.delete(e.dst);
  else map.set(e.dst, value);
  const labels: Labels = [...map].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return { labels, values: s.values };
}
