// Binary operations, as Loki 2.8 evaluates them: a literal side is applied to each sample of the
// other; two vectors match per step on their labels (on/ignoring, group_left/group_right);
// a filtering comparison keeps the left operand's value, literal or not.
import type { BinaryExpr, BinaryOp, VectorMatching } from '../ast.ts';
import { labelsKey, sortLabels, type Labels } from '../../model/labels.ts';
import { applyOp } from '../binary-op.ts';
import type { Deadline } from './deadline.ts';
import { QueryError } from '../errors.ts';
import type { Evaluated, StepSeries } from './steps.ts';

const COMPARISON = new Set<BinaryOp>(['==', '!=', '>', '>=', '<', '<=']);
const SET = new Set<BinaryOp>(['and', 'or', 'unless']);

/** One merged value, or undefined when a filtering comparison fails. */
function merge(op: BinaryOp, filter: boolean, l: number, r: number): number | undefined {
  const v = applyOp(op, l, r);
  if (!COMPARISON.has(op) || !filter) return v;
  return v === 1 ? l : undefined;
}

/** `deadline` is ticked per series of a vector and a literal, per step of two vectors. */
export function evalBinary(e: BinaryExpr, left: Evaluated, right: Evaluated, steps: number, deadline: Deadline): Evaluated {
  if (SET.has(e.op) && (left.kind === 'scalar' || right.kind === 'scalar'))
    throw new QueryError(`unexpected literal for ${left.kind === 'scalar' ? 'left' : 'right'} leg of logical/set binary operation (${e.op})`);
  if (left.kind === 'scalar' && right.kind === 'scalar')
    // Loki folds literals at parse time, comparisons included, without filtering
    return { kind: 'scalar', values: left.values.map((l, i) => applyOp(e.op, l, right.values[i])) };
  const filter = !e.bool;
  if (right.kind === 'scalar')
    return { kind: 'vector', series: mapValues((left as VectorOf).series, (v, i) => merge(e.op, filter, v, right.values[i]), deadline) };
  if (left.kind === 'scalar')
    return { kind: 'vector', series: mapValues(right.series, (v, i) => merge(e.op, filter, left.values[i], v), deadline) };
  return { kind: 'vector', series: vectorVector(e, left.series, right.series, steps, deadline) };
}

type VectorOf = Extract<Evaluated, { kind: 'vector' }>;

function mapValues(series: StepSeries[], f: (v: number, i: number) => number | undefined, deadline: Deadline): StepSeries[] {
  return series.map((s) => {
    deadline.tick(s.values.length);
    return { labels: s.labels, values: s.values.map((v, i) => (v === undefined ? undefined : f(v, i))) };
  });
}

/** The labels two samples match on. */
function signature(labels: Labels, m: VectorMatching | undefined): string {
  if (!m) return labelsKey(labels);
  const names = new Set(m.labels);
  return labelsKey(labels.filter(([n]) => names.has(n) === m.on));
}

/** Prometheus' result labels: one-to-one keeps the on() labels or drops the ignoring() ones; group_x copies its extra labels from the one side. */
function resultLabels(many: Labels, one: Labels, m: VectorMatching | undefined): Labels {
  if (!m) return many;
  const names = new Set(m.labels);
  let out: Array<readonly [string, string]> = m.group ? [...many] : many.filter(([n]) => names.has(n) === m.on);
  for (const n of m.group?.include ?? []) {
    const v = one.find(([k]) => k === n)?.[1] ?? '';
    out = out.filter(([k]) => k !== n);
    if (v !== '') out.push([n, v]);
  }
  return sortLabels(out);
}

/** Output series by labels, filled step by step. */
class Collector {
  private byKey = new Map<string, StepSeries>();
  constructor(private steps: number) {}
  put(labels: Labels, i: number, v: number) {
    const k = labelsKey(labels);
    let s = this.byKey.get(k);
    if (!s) this.byKey.set(k, (s = { labels, values: new Array<number | undefined>(this.steps).fill(undefined) }));
    s.values[i] = v;
  }
  series = () => [...this.byKey.values()];
}

function vectorVector(e: BinaryExpr, left: StepSeries[], right: StepSeries[], steps: number, deadline: Deadline): StepSeries[] {
  const m = e.matching;
  const lsig = left.map((s) => signature(s.labels, m));
  const rsig = right.map((s) => signature(s.labels, m));
  const out = new Collector(steps);
  for (let i = 0; i < steps; i++) {
    deadline.tick(left.length + right.length);
    const ls = left.flatMap((s, j) => (s.values[i] === undefined ? [] : [j]));
    const rs = right.flatMap((s, j) => (s.values[i] === undefined ? [] : [j]));
    if (SET.has(e.op)) setOp(e.op, left, right, lsig, rsig, ls, rs, i, out);
    else arithmetic(e, left, right, lsig, rsig, ls, rs, i, out);
  }
  return out.series();
}

function setOp(op: BinaryOp, left: StepSeries[], right: StepSeries[], lsig: string[], rsig: string[], ls: number[], rs: number[], i: number, out: Collector) {
  const put = (s: StepSeries) => out.put(s.labels, i, s.values[i]!);
  if (op === 'or') {
    const seen = new Set(ls.map((j) => lsig[j]));
    for (const j of ls) put(left[j]);
    for (const j of rs) if (!seen.has(rsig[j])) put(right[j]);
    return;
  }
  if (op === 'and' && rs.length === 0) return;
  const present = new Set(rs.map((j) => rsig[j]));
  for (const j of ls) if (present.has(lsig[j]) === (op === 'and')) put(left[j]);
}

function arithmetic(e: BinaryExpr, left: StepSeries[], right: StepSeries[], lsig: string[], rsig: string[], ls: number[], rs: number[], i: number, out: Collector) {
  const m = e.matching;
  const oneToMany = m?.group?.side === 'right';
  // the "many" side is walked, the "one" side looked up
  const [many, one, manySig, oneSig, manyIdx, oneIdx] = oneToMany ? [right, left, rsig, lsig, rs, ls] : [left, right, lsig, rsig, ls, rs];
  const oneBy = new Map<string, StepSeries>();
  for (const j of oneIdx) {
    if (oneBy.has(oneSig[j]))
      throw new QueryError(`found duplicate series on the ${oneToMany ? 'left' : 'right'} hand-side;many-to-many matching not allowed: matching labels must be unique on one side`, 500);
    oneBy.set(oneSig[j], one[j]);
  }
  const matched = new Map<string, Set<string>>();
  for (const j of manyIdx) {
    const sig = manySig[j];
    const partner = oneBy.get(sig);
    if (!partner) continue;
    const labels = resultLabels(many[j].labels, partner.labels, m);
    const inserted = matched.get(sig);
    if (!m?.group) {
      if (inserted) throw new QueryError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)', 500);
      matched.set(sig, new Set());
    } else {
      const k = labelsKey(labels);
      if (inserted?.has(k)) throw new QueryError('multiple matches for labels: grouping labels must ensure unique matches', 500);
      if (inserted) inserted.add(k);
      else matched.set(sig, new Set([k]));
    }
    const a = many[j].values[i]!;
    const b = partner.values[i]!;
    const v = oneToMany ? merge(e.op, !e.bool, b, a) : merge(e.op, !e.bool, a, b);
    if (v !== undefined) out.put(labels, i, v);
  }
}
