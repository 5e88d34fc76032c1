// Evaluates a parsed LogQL query over a Source: log queries to streams, metric queries to
// matrices (range), vectors (instant) or scalars, in Loki's result shapes and order.
import type { Expr, SampleExpr } from '../ast.ts';
import type { Direction } from '../../model/batch.ts';
import type { QueryResult, VectorSample } from '../results.ts';
import { labelsToObject } from '../../model/labels.ts';
import type { PipelineOptions } from '../pipeline/index.ts';
import { evalBinary } from './binary.ts';
import { Deadline } from './deadline.ts';
import { QueryError, seriesLimit } from '../errors.ts';
import { compareLabels, formatValue, pointTime } from './format.ts';
import { groupSeries } from './grouping.ts';
import { labelReplacer } from './label-replace.ts';
import { evalLogQuery } from './log-query.ts';
import { evalRangeAggregation, SUMMABLE } from './range-aggregation.ts';
import type { Source } from './source.ts';
import { gridOf, type Evaluated, type Grid } from './steps.ts';
import { byValue, evalVectorAggregation } from './vector-aggregation.ts';

export { QueryError, QueryTimeoutError } from '../errors.ts';
export { alignedRange } from './steps.ts';
export { pastBound, type SelectHint, type Source, type Span } from './source.ts';

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
  /**
   * limits_config.max_line_size, default 262144: the most bytes a line_format line or a
   * label_format value may have; a longer one marks its entry __error__="TemplateFormatErr" with
   * __error_details__ saying so. 0 (no limit on ingestion) still bounds templates at 262144:
   * without a bound one template can build gigabytes per line.
   */
  maxLineSize?: number;
  /**
   * When the query must be done, in epoch ms as Date.now() counts (e.g. Date.now() +
   * query_timeout). Past it, evaluate rejects with QueryTimeoutError (status 504, Loki's text)
   * within a few hundred lines or steps of work; no deadline when absent.
   */
  deadline?: number;
}

/** An instant log query reads this far back from its time (Loki's engine max_look_back_period). */
export const INSTANT_LOOKBACK_NS = 30_000_000_000n;

/** Grouping that keeps every label: series with one label set together. */
const SAME_LABELS = { without: true, labels: [] };

/** What every part of one metric query's evaluation shares. */
interface Run {
  source: Source;
  limits: PipelineOptions;
  deadline: Deadline;
}

export async function evaluate(expr: Expr, params: QueryParams, source: Source): Promise<QueryResult> {
  const deadline = new Deadline(params.deadline);
  deadline.check();
  if (expr.kind === 'log') {
    const start = params.instant ? params.start - INSTANT_LOOKBACK_NS : params.start;
    return { resultType: 'streams', result: await evalLogQuery(expr, start, params.end, params.direction, params.limit, source, params.interval, params) };
  }
  const grid = gridOf(params.start, params.end, params.step, params.instant);
  const v = await evalSample(expr, grid, { source, limits: params, deadline });
  if (v.kind === 'scalar') {
    if (params.instant) return { resultType: 'scalar', result: [pointTime(grid.steps[0]), formatValue(v.values[0])] };
    return { resultType: 'matrix', result: [{ metric: {}, values: grid.steps.map((t, i) => [pointTime(t), formatValue(v.values[i])]) }] };
  }
  const series = v.series.filter((s) => s.values.some((x) => x !== undefined));
  const max = params.maxSeries ?? 500;
  if (max > 0 && series.length > max) throw seriesLimit(max);
  if (params.instant) {
    // Loki sorts an instant answer by labels, unless the query sorts by value somewhere
    if (expr.kind === 'vector' && (expr.op === 'sort' || expr.op === 'sort_desc')) {
      const order = byValue(expr.op === 'sort_desc');
      series.sort((a, b) => order({ v: a.values[0]!, s: a }, { v: b.values[0]!, s: b }));
    } else if (!sortsByValue(expr)) series.sort((a, b) => compareLabels(a.labels, b.labels));
    const at = pointTime(grid.steps[0]);
    return { resultType: 'vector', result: series.map((s): VectorSample => ({ metric: labelsToObject(s.labels), value: [at, formatValue(s.values[0]!)] })) };
  }
  // series that label_replace gave one label set become one series, its points step by step, as
  // Loki assembles a matrix (times may then repeat)
  const merged = groupSeries(series, SAME_LABELS).sort((a, b) => compareLabels(a.labels, b.labels));
  return {
    resultType: 'matrix',
    result: merged.map(({ labels, members }) => ({
      metric: labelsToObject(labels),
      values: grid.steps.flatMap((t, i) => members.flatMap((s) => (s.values[i] === undefined ? [] : [[pointTime(t), formatValue(s.values[i]!)] as [number, string]]))),
    })),
  };
}

/** Whether sort or sort_desc appears anywhere in the query (Loki's Sortable). */
function sortsByValue(e: SampleExpr): boolean {
  switch (e.kind) {
    case 'vector':
      return e.op === 'sort' || e.op === 'sort_desc' || sortsByValue(e.inner);
    case 'binary':
      return sortsByValue(e.left) || sortsByValue(e.right);
    case 'labelReplace':
      return sortsByValue(e.inner);
    default:
      return false;
  }
}

async function evalSample(e: SampleExpr, grid: Grid, run: Run): Promise<Evaluated> {
  const n = grid.steps.length;
  switch (e.kind) {
    case 'literal':
      return { kind: 'scalar', values: new Array(n).fill(e.value) };
    case 'vectorLiteral':
      return { kind: 'vector', series: [{ labels: [], values: new Array(n).fill(e.value) }] };
    case 'range':
      return { kind: 'vector', series: await evalRangeAggregation(e, grid, run.source, run.limits) };
    case 'vector': {
      const i = e.inner;
      // a sum pushes its grouping into a summable range aggregation: one series per group, not per stream
      const pushDown = e.op === 'sum' && i.kind === 'range' && !i.grouping && SUMMABLE.has(i.op);
      const inner: Evaluated = pushDown
        ? { kind: 'vector', series: await evalRangeAggregation(i, grid, run.source, run.limits, e.grouping ?? { without: false, labels: [] }) }
        : await evalSample(i, grid, run);
      if (inner.kind === 'scalar') throw new QueryError(`${e.op} needs a vector, not a scalar`);
      return { kind: 'vector', series: evalVectorAggregation(e, inner.series, n, run.deadline) };
    }
    case 'binary': {
      const [l, r] = await Promise.all([evalSample(e.left, grid, run), evalSample(e.right, grid, run)]);
      return evalBinary(e, l, r, n, run.deadline);
    }
    case 'labelReplace': {
      const inner = await evalSample(e.inner, grid, run);
      if (inner.kind === 'scalar') throw new QueryError('label_replace needs a vector, not a scalar');
      return { kind: 'vector', series: inner.series.map(labelReplacer(e)) };
    }
  }
}
