// Shared helpers for the evaluator's tests: an in-memory Source over fixed batches, query
// parameters in seconds, and results flattened to short literal forms.
import { batchOf, type EntryBatch, type Labels, type QueryResult } from '../../../logql/batch.ts';
import { evaluate, type QueryParams, type Source } from '../../../logql/eval/index.ts';
import { compileMatchers } from '../../../logql/matchers.ts';
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
