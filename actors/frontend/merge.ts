// Merges sub-query results back into one answer: streams by labels under the limit, matrices by
// series, Loki's stats by adding them up.
import type { Direction } from '../../model/batch.ts';
import type { MatrixSeries, QueryResult, StreamResult } from '../../logql/results.ts';
import { compareLabels, formatValue } from '../../logql/eval/format.ts';
import { formatLabels, sortLabels, type Labels } from '../../model/labels.ts';

type Entry = [string, string];

/**
 * The `limit` newest (backward) or oldest (forward) entries across all streams, Loki's shape.
 * Sub-queries cover disjoint times or disjoint shards of streams, so nothing repeats; a stream's entries keep the order their
 * querier gave them, and at one time streams go by their labels' text, as Loki's frontend merges.
 */
export function mergeStreams(parts: StreamResult[][], direction: Direction, limit: number): StreamResult[] {
  const byLabels = new Map<string, { stream: Record<string, string>; values: Entry[] }>();
  for (const part of parts)
    for (const s of part) {
      const k = formatLabels(sortLabels(Object.entries(s.stream)));
      const at = byLabels.get(k);
      if (at) at.values.push(...s.values);
      else byLabels.set(k, { stream: s.stream, values: [...s.values] });
    }
  const all: Array<[bigint, string, Entry]> = [];
  for (const [k, s] of byLabels) for (const v of s.values) all.push([BigInt(v[0]), k, v]);
  const sign = direction === 'forward' ? 1 : -1;
  // a stable sort: entries of one stream at one time stay in their querier's order
  all.sort((a, b) => (a[0] < b[0] ? -sign : a[0] > b[0] ? sign : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const kept = new Map<string, Entry[]>();
  for (const e of all.slice(0, Math.max(limit, 0))) {
    const list = kept.get(e[1]);
    if (list) list.push(e[2]);
    else kept.set(e[1], [e[2]]);
  }
  return [...kept].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, values]) => ({ stream: byLabels.get(k)!.stream, values }));
}

/**
 * Series from sub-queries, in Loki's order (by labels): points of step-disjoint pieces are put
 * one after another; points of one series at one time from several shards are added up.
 */
export function mergeMatrix(parts: MatrixSeries[][]): MatrixSeries[] {
  const bySeries = new Map<string, { labels: Labels; s: MatrixSeries }>();
  for (const part of parts)
    for (const s of part) {
      const labels = sortLabels(Object.entries(s.metric));
      const k = formatLabels(labels);
      const at = bySeries.get(k);
      if (at) at.s.values.push(...s.values);
      else bySeries.set(k, { labels, s: { metric: s.metric, values: [...s.values] } });
    }
  const out = [...bySeries.values()].sort((a, b) => compareLabels(a.labels, b.labels)).map((e) => e.s);
  for (const s of out) {
    s.values.sort((a, b) => a[0] - b[0]);
    let w = 0;
    for (let r = 0; r < s.values.length; r++) {
      if (w > 0 && s.values[w - 1][0] === s.values[r][0]) s.values[w - 1] = [s.values[r][0], formatValue(parseValue(s.values[w - 1][1]) + parseValue(s.values[r][1]))];
      else s.values[w++] = s.values[r];
    }
    s.values.length = w;
  }
  return out;
}

/** A value as formatValue spells it, back to a number. */
const parseValue = (v: string): number => (v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v));

/** Adds numeric leaves of Loki's stats objects; non-numbers keep the first value. */
export function addStats(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = k in out ? addStats(out[k], v) : v;
    return out;
  }
  return a ?? b;
}

export type ResultWithStats = QueryResult & { stats?: unknown };
