// Binary operations between scalars and vectors, with Prometheus' matching rules.
import type { BinaryExpr, BinaryOp } from '../ast.ts';
import type { Labels } from '../batch.ts';
import { labelsKey } from '../labels.ts';
import { QueryError } from './errors.ts';
import type { Evaluated, StepSeries } from './steps.ts';

const COMPARISON = new Set<BinaryOp>(['==', '!=', '>', '>=', '<', '<=']);

function apply(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '%': return a % b;
    case '^': return a ** b;
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
    case '<': return a < b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    default: return NaN;
  }
}

/** A comparison without bool filters: the left value stays where it holds. */
function combine(e: BinaryExpr, l: number, r: number, keep: number): number | undefined {
  const v = apply(e.op, l, r);
  if (!COMPARISON.has(e.op)) return v;
  if (e.bool) return v;
  return v === 1 ? keep : undefined;
}

function matchKey(labels: Labels, e: BinaryExpr): string {
  const m = e.matching;
  if (!m) return labelsKey(labels);
  const names = new Set(m.labels);
  return labelsKey(m.on ? labels.filter(([n]) => names.has(n)) : labels.filter(([n]) => !names.has(n)));
}

export function evalBinary(e: BinaryExpr, left: Evaluated, right: Evaluated, steps: number): Evaluated {
  if (left.kind === 'scalar' && right.kind === 'scalar') {
    if (COMPARISON.has(e.op) && !e.bool) throw new QueryError('comparisons between scalars must use BOOL modifier');
    return { kind: 'scalar', values: left.values.map((l, i) => apply(e.op, l, right.values[i])) };
  }
  if (left.kind === 'vector' && right.kind === 'scalar')
    return {
      kind: 'vector',
      series: left.series.map((s) => ({ labels: s.labels, values: s.values.map((v, i) => (v === undefined ? undefined : combine(e, v, right.values[i], v))) })),
    };
  if (left.kind === 'scalar' && right.kind === 'vector')
    return {
      kind: 'vector',
      series: right.series.map((s) => ({ labels: s.labels, values: s.values.map((v, i) => (v === undefined ? undefined : combine(e, left.values[i], v, v))) })),
    };
  return { kind: 'vector', series: vectorVector(e, (left as { series: StepSeries[] }).series, (right as { series: StepSeries[] }).series, steps) };
}

function vectorVector(e: BinaryExpr, left: StepSeries[], right: StepSeries[], steps: number): StepSeries[] {
  const rightBy = new Map<string, StepSeries[]>();
  for (const s of right) {
    const k = matchKey(s.labels, e);
    rightBy.set(k, [...(rightBy.get(k) ?? []), s]);
  }
  if (e.op === 'and' || e.op === 'unless')
    return left.map((s) => {
      const others = rightBy.get(matchKey(s.labels, e)) ?? [];
      return {
        labels: s.labels,
        values: s.values.map((v, i) => {
          const present = others.some((o) => o.values[i] !== undefined);
          return (e.op === 'and') === present ? v : undefined;
        }),
      };
    });
  if (e.op === 'or') {
    const leftKeys = new Map<string, StepSeries[]>();
    for (const s of left) leftKeys.set(matchKey(s.labels, e), [...(leftKeys.get(matchKey(s.labels, e)) ?? []), s]);
    const extra = right.map((s) => ({
      labels: s.labels,
      values: s.values.map((v, i) => ((leftKeys.get(matchKey(s.labels, e)) ?? []).some((l) => l.values[i] !== undefined) ? undefined : v)),
    }));
    return [...left, ...extra];
  }
  const group = e.matching?.group;
  const many = group?.side === 'right' ? right : left;
  const oneBy = group?.side === 'right' ? new Map(left.map((s) => [matchKey(s.labels, e), [s]])) : rightBy;
  const out: StepSeries[] = [];
  for (const s of many) {
    const k = matchKey(s.labels, e);
    const partners = oneBy.get(k) ?? [];
    if (partners.length > 1) throw new QueryError('found duplicate series for the match group on the right hand-side of the operation: many-to-many matching not allowed');
    if (!partners.length) continue;
    const p = partners[0];
    const values = Array.from({ length: steps }, (_, i) => {
      const a = s.values[i];
      const b = p.values[i];
      if (a === undefined || b === undefined) return undefined;
      return group?.side === 'right' ? combine(e, b, a, a) : combine(e, a, b, a);
    });
    let labels = s.labels;
    if (group) {
      const add = new Map(p.labels.filter(([n]) => group.include.includes(n)));
      labels = [...new Map([...s.labels, ...add])].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    } else if (e.matching) {
      // one-to-one, as Prometheus: on() keeps only the matching labels, ignoring() drops them
      const names = e.matching.labels;
      labels = s.labels.filter(([n]) => names.includes(n) === e.matching!.on);
    }
    out.push({ labels, values });
  }
  return out;
}
