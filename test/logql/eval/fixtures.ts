// Shared helpers for the evaluator's tests: an in-memory Source over fixed batches, query
// parameters in seconds, and results flattened to short literal forms.
import { batchOf, type EntryBatch } from '../../../model/batch.ts';
import type { Labels } from '../../../model/labels.ts';
import type { QueryResult } from '../../../logql/results.ts';
import { evaluate, type QueryParams, type Source } from '../../../logql/eval/index.ts';
import { compileMatchers } from '../../../model/matchers.ts';
import { parseExpr } from '../../../logql/parser/index.ts';

export const S = 1_000_000_000n;

/** A stream from `{a="b", c="d"}`-less shorthand: labels as an object, entries as [seconds, line]. */
export function stream(labels: Record<string, string>, entries: Array<[number, string]>): EntryBatch {
  const l: Labels = Object.entries(labels).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return batchOf(l, entries.map(([sec, line]) => [BigInt(Math.round(sec * 1000)) * 1_000_000n, line] as const));
}

/** A source that honours matchers and [start, end), and records what it was asked for. */
export function sourceOf(batches: EntryBatch[]): Source & { calls: Array<[bigint, bigint]> } {
  const calls: Array<[bigint, bigint]> = [];
  return {
    calls,
    async *select(matchers, start, end) {
      calls.push([start, end]);
      const match = compileMatchers(matchers);
      for (const b of batches) {
        if (!match(b.labels)) continue;
        const keep: Array<[bigint, string]> = [];
        for (let i = 0; i < b.ts.length; i++)
          if (b.ts[i] >= start && b.ts[i] < end) keep.push([b.ts[i], b.lines.subarray(b.offsets[i], b.offsets[i + 1]).toString()]);
        if (keep.length) yield batchOf(b.labels, keep);
      }
    },
  };
}

export const instant = (sec: number, extra: Partial<QueryParams> = {}): QueryParams => {
  const t = BigInt(Math.round(sec * 1000)) * 1_000_000n;
  return { start: t, end: t, step: 0, direction: 'backward', limit: 100, instant: true, ...extra };
};

export const range = (startSec: number, endSec: number, stepSec: number, extra: Partial<QueryParams> = {}): QueryParams => ({
  start: BigInt(Math.round(startSec * 1000)) * 1_000_000n,
  end: BigInt(Math.round(endSec * 1000)) * 1_000_000n,
  step: stepSec * 1e9,
  direction: 'backward',
  limit: 100,
  instant: false,
  ...extra,
});

/** `{a="b",c="d"}` for a result's label object. */
export const text = (m: Record<string, string>) => `{${Object.entries(m).map(([k, v]) => `${k}="${v}"`).join(',')}}`;

/** An instant answer as [labels, value] pairs in answer order; a scalar as ['scalar', value]. */
export function flatVector(r: QueryResult): Array<[string, string]> {
  if (r.resultType === 'scalar') return [['scalar', r.result[1]]];
  if (r.resultType !== 'vector') throw new Error(`expected a vector, got ${r.resultType}`);
  return r.result.map((s) => [text(s.metric), s.value[1]]);
}

/** A range answer as [labels, 'seconds:value seconds:value ...'] in answer order. */
export function flatMatrix(r: QueryResult): Array<[string, string]> {
  if (r.resultType !== 'matrix') throw new Error(`expected a matrix, got ${r.resultType}`);
  return r.result.map((s) => [text(s.metric), s.values.map(([t, v]) => `${t}:${v}`).join(' ')]);
}

/** A log answer as [labels, 'seconds line', ...] in answer order. */
export function flatStreams(r: QueryResult): Array<[string, ...string[]]> {
  if (r.resultType !== 'streams') throw new Error(`expected streams, got ${r.resultType}`);
  return r.result.map((s) => [text(s.stream), ...s.values.map(([ts, l]) => `${Number(BigInt(ts) / 1_000_000n) / 1000} ${l}`)]);
}

export const run = (q: string, p: QueryParams, source: Source) => evaluate(parseExpr(q), p, source);

// at 5s over [5s]: a/p1/x 3 lines, a/p2/x 1, b/p1/y 2, b/p3/y 4
export const pods = sourceOf([
  stream({ app: 'a', pod: 'p1', team: 'x' }, [[1, 'l'], [2, 'l'], [3, 'l']]),
  stream({ app: 'a', pod: 'p2', team: 'x' }, [[2, 'l']]),
  stream({ app: 'b', pod: 'p1', team: 'y' }, [[1, 'l'], [3, 'l']]),
  stream({ app: 'b', pod: 'p3', team: 'y' }, [[1, 'l'], [2, 'l'], [3, 'l'], [4, 'l']]),
]);
export const ALL = 'count_over_time({app=~".+"}[5s])';
export const a1 = '{app="a",pod="p1",team="x"}';
export const a2 = '{app="a",pod="p2",team="x"}';
export const b1 = '{app="b",pod="p1",team="y"}';
export const b3 = '{app="b",pod="p3",team="y"}';
