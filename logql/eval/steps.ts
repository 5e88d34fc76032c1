// The step grid of a query and the series values that live on it.
import type { Labels } from '../../model/labels.ts';

/** A series over the grid: values[i] is the sample at step i, or undefined when it has none. */
export interface StepSeries {
  labels: Labels;
  values: Array<number | undefined>;
}

export type Evaluated = { kind: 'vector'; series: StepSeries[] } | { kind: 'scalar'; values: number[] };

export interface Grid {
  /** Step times, ns. */
  steps: bigint[];
}

/** Range-query grid aligned to multiples of the step from the epoch: start down, end up (Loki's frontend). */
export function alignedRange(start: bigint, end: bigint, step: number): { start: bigint; end: bigint } {
  if (step <= 0) return { start, end };
  const s = BigInt(Math.round(step));
  const down = (t: bigint) => (t >= 0n ? (t / s) * s : ((t - s + 1n) / s) * s);
  const e = down(end);
  return { start: down(start), end: e === end ? e : e + s };
}

/** At most this many steps: 11,000 is Loki's own bound per series. */
const MAX_STEPS = 11_000;

export function gridOf(start: bigint, end: bigint, step: number, instant: boolean): Grid {
  if (instant || step <= 0) return { steps: [end] };
  const a = alignedRange(start, end, step);
  const s = BigInt(Math.round(step));
  const steps: bigint[] = [];
  for (let t = a.start; t <= a.end && steps.length <= MAX_STEPS; t += s) steps.push(t);
  return { steps };
}
