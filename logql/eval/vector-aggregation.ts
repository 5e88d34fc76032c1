// Vector aggregations per step: sum avg min max stddev stdvar count topk bottomk sort sort_desc,
// with Loki's arithmetic (running mean, Welford's variance, NaN handling).
import type { VectorAggregation } from '../ast.ts';
import { labelsKey } from '../../model/labels.ts';
import type { Deadline } from './deadline.ts';
import { compareLabels } from './format.ts';
import { groupLabels, groupSeries } from './grouping.ts';
import type { StepSeries } from './steps.ts';

/** `deadline` is ticked per step of each group, by the series it reads there. */
export function evalVectorAggregation(e: VectorAggregation, inner: StepSeries[], steps: number, deadline: Deadline): StepSeries[] {
  // sort and sort_desc order an instant query's answer (see index.ts); per series they change nothing
  if (e.op === 'sort' || e.op === 'sort_desc') return inner;
  if (e.op === 'topk' || e.op === 'bottomk') return topk(e, inner, steps, deadline);
  return groupSeries(inner, e.grouping).map((g) => ({
    labels: g.labels,
    values: Array.from({ length: steps }, (_, i) => {
      deadline.tick(g.members.length);
      const vs: number[] = [];
      for (const m of g.members) if (m.values[i] !== undefined) vs.push(m.values[i]!);
      return vs.length ? reduce(e.op, vs) : undefined;
    }),
  }));
}

function reduce(op: VectorAggregation['op'], vs: number[]): number {
  switch (op) {
    case 'sum': {
      let s = 0;
      for (const v of vs) s += v;
      return s;
    }
    case 'avg': {
      let mean = vs[0];
      for (let i = 1; i < vs.length; i++) mean += (vs[i] - mean) / (i + 1);
      return mean;
    }
    case 'count':
      return vs.length;
    case 'min': {
      let m = vs[0];
      for (const v of vs) if (m > v || Number.isNaN(m)) m = v;
      return m;
    }
    case 'max': {
      let m = vs[0];
      for (const v of vs) if (m < v || Number.isNaN(m)) m = v;
      return m;
    }
    case 'stdvar':
    case 'stddev': {
      let mean = vs[0];
      let aux = 0;
      for (let i = 1; i < vs.length; i++) {
        const delta = vs[i] - mean;
        mean += delta / (i + 1);
        aux += delta * (vs[i] - mean);
      }
      return op === 'stdvar' ? aux / vs.length : Math.sqrt(aux / vs.length);
    }
    default:
      return NaN;
  }
}

/** Orders by value, largest first for topk (smallest for bottomk); NaN last; ties by labels, so answers are stable. */
export function byValue(desc: boolean) {
  return (a: { v: number; s: StepSeries }, b: { v: number; s: StepSeries }) => {
    if (Number.isNaN(a.v) || Number.isNaN(b.v)) return Number.isNaN(a.v) ? (Number.isNaN(b.v) ? 0 : 1) : -1;
    if (a.v !== b.v) return desc ? b.v - a.v : a.v - b.v;
    return compareLabels(a.s.labels, b.s.labels);
  };
}

/** The k largest (smallest) series of each group at each step; series keep their own labels. */
function topk(e: VectorAggregation, inner: StepSeries[], steps: number, deadline: Deadline): StepSeries[] {
  const k = Math.trunc(e.param ?? 1);
  if (k < 1) return [];
  const out = inner.map((s) => ({ labels: s.labels, values: new Array<number | undefined>(steps).fill(undefined) }));
  const groups = new Map<string, number[]>();
  inner.forEach((s, idx) => {
    const key = labelsKey(groupLabels(s.labels, e.grouping));
    const g = groups.get(key);
    if (g) g.push(idx);
    else groups.set(key, [idx]);
  });
  const order = byValue(e.op === 'topk');
  for (let i = 0; i < steps; i++)
    for (const members of groups.values()) {
      deadline.tick(members.length);
      const present = members.filter((m) => inner[m].values[i] !== undefined).map((m) => ({ m, v: inner[m].values[i]!, s: inner[m] }));
      present.sort(order);
      for (const p of present.slice(0, k)) out[p.m].values[i] = p.v;
    }
  return out.filter((s) => s.values.some((v) => v !== undefined));
}
