// Vector aggregations per step: sum avg min max stddev stdvar count topk bottomk sort sort_desc.
import type { VectorAggregation } from '../ast.ts';
import { labelsKey } from '../labels.ts';
import { groupLabels, groupSeries } from './grouping.ts';
import type { StepSeries } from './steps.ts';

export function evalVectorAggregation(e: VectorAggregation, inner: StepSeries[], steps: number): StepSeries[] {
  if (e.op === 'sort' || e.op === 'sort_desc') return inner;
  if (e.op === 'topk' || e.op === 'bottomk') return topk(e, inner, steps);
  return groupSeries(inner, e.grouping).map((g) => ({
    labels: g.labels,
    values: Array.from({ length: steps }, (_, i) => {
      const vs = g.members.map((m) => m.values[i]).filter((x): x is number => x !== undefined);
      return vs.length ? reduce(e.op, vs) : undefined;
    }),
  }));
}

function reduce(op: VectorAggregation['op'], vs: number[]): number {
  const sum = vs.reduce((a, b) => a + b, 0);
  switch (op) {
    case 'sum':
      return sum;
    case 'avg':
      return sum / vs.length;
    case 'count':
      return vs.length;
    case 'min':
      return Math.min(...vs);
    case 'max':
      return Math.max(...vs);
    case 'stdvar':
    case 'stddev': {
      const mean = sum / vs.length;
      const v = vs.reduce((a, b) => a + (b - mean) ** 2, 0) / vs.length;
      return op === 'stdvar' ? v : Math.sqrt(v);
    }
    default:
      return NaN;
  }
}

/** The k largest (smallest) series of each group at each step; series keep their own labels. */
function topk(e: VectorAggregation, inner: StepSeries[], steps: number): StepSeries[] {
  const k = e.param ?? 1;
  const out = inner.map((s) => ({ labels: s.labels, values: new Array<number | undefined>(steps).fill(undefined) }));
  const groups = new Map<string, number[]>();
  inner.forEach((s, idx) => {
    const key = labelsKey(groupLabels(s.labels, e.grouping));
    const g = groups.get(key) ?? [];
    g.push(idx);
    groups.set(key, g);
  });
  const sign = e.op === 'topk' ? -1 : 1;
  for (let i = 0; i < steps; i++)
    for (const members of groups.values()) {
      const present = members.filter((m) => inner[m].values[i] !== undefined);
      present.sort((a, b) => sign * (inner[a].values[i]! - inner[b].values[i]!));
      for (const m of present.slice(0, k)) out[m].values[i] = inner[m].values[i];
    }
  return out.filter((s) => s.values.some((v) => v !== undefined));
}
