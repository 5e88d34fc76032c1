// What a range aggregation computes over the samples of one window, as Loki 2.8's range vector
// functions do (including their floating-point order, so results match to the last digit).
import type { RangeOp } from '../ast.ts';

/** A window's samples: times (ns) and values, ascending by time, from index lo to hi (exclusive). */
export interface Window {
  ts: BigInt64Array | bigint[];
  values: Float64Array | number[];
  lo: number;
  hi: number;
}

export function aggregateWindow(op: RangeOp, w: Window, rangeNs: number, unwrapped: boolean, param?: number): number {
  const { values: v, lo, hi } = w;
  const seconds = rangeNs / 1e9;
  switch (op) {
    case 'count_over_time':
      return hi - lo;
    case 'rate':
      return unwrapped ? sum(v, lo, hi) / seconds : (hi - lo) / seconds;
    case 'bytes_rate':
      return sum(v, lo, hi) / seconds;
    case 'bytes_over_time':
    case 'sum_over_time':
      return sum(v, lo, hi);
    case 'avg_over_time':
      return avg(v, lo, hi);
    case 'min_over_time': {
      let m = v[lo];
      for (let i = lo; i < hi; i++) if (v[i] < m || Number.isNaN(m)) m = v[i];
      return m;
    }
    case 'max_over_time': {
      let m = v[lo];
      for (let i = lo; i < hi; i++) if (v[i] > m || Number.isNaN(m)) m = v[i];
      return m;
    }
    case 'stdvar_over_time':
      return variance(v, lo, hi);
    case 'stddev_over_time':
      return Math.sqrt(variance(v, lo, hi));
    case 'quantile_over_time':
      return quantile(param ?? 0, Array.prototype.slice.call(v, lo, hi) as number[]);
    case 'first_over_time':
      return v[lo];
    case 'last_over_time':
      return v[hi - 1];
    case 'absent_over_time':
      return 1;
    case 'rate_counter':
      return counterRate(w, rangeNs);
  }
}

function sum(v: ArrayLike<number>, lo: number, hi: number): number {
  let s = 0;
  for (let i = lo; i < hi; i++) s += v[i];
  return s;
}

/** Prometheus' running mean, which survives infinities. */
function avg(v: ArrayLike<number>, lo: number, hi: number): number {
  let mean = 0;
  let count = 0;
  for (let i = lo; i < hi; i++) {
    const x = v[i];
    count++;
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      if (!Number.isFinite(x) && !Number.isNaN(x) && mean > 0 === x > 0) continue;
      if (Number.isFinite(x)) continue;
    }
    mean += x / count - mean / count;
  }
  return mean;
}

/** Welford's online variance (population), as Loki sums it. */
function variance(v: ArrayLike<number>, lo: number, hi: number): number {
  let aux = 0;
  let count = 0;
  let mean = 0;
  for (let i = lo; i < hi; i++) {
    count++;
    const delta = v[i] - mean;
    mean += delta / count;
    aux += delta * (v[i] - mean);
  }
  return aux / count;
}

/** Prometheus' quantile: linear interpolation between the closest ranks; NaN sorts first. */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const s = [...values].sort((a, b) => (Number.isNaN(a) ? -1 : Number.isNaN(b) ? 1 : a - b));
  const n = s.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return s[lower] * (1 - weight) + s[upper] * weight;
}

/**
 * rate_counter exactly as Loki 2.8 computes it: Prometheus' extrapolatedRate, but fed sample times
 * in nanoseconds where Prometheus has milliseconds, and a range start one range (in ms) before the
 * first sample. So the distance to the window's start is the range in seconds while the sampled
 * interval is in microseconds: in practice the increase (with resets) over the range, stretched
 * by a tiny factor. Fewer than two samples give 0.
 */
function counterRate(w: Window, rangeNs: number): number {
  const { ts, values: v, lo, hi } = w;
  const n = hi - lo;
  if (n < 2) return 0;
  let result = v[hi - 1] - v[lo];
  let lastValue = 0;
  for (let i = lo; i < hi; i++) {
    if (v[i] < lastValue) result += lastValue;
    lastValue = v[i];
  }
  let durationToStart = Math.trunc(rangeNs / 1e6) / 1000;
  const durationToEnd = 0;
  const sampledInterval = Number(BigInt(ts[hi - 1]) - BigInt(ts[lo])) / 1000;
  const averageBetween = sampledInterval / (n - 1);
  if (result > 0 && v[lo] >= 0) {
    const durationToZero = sampledInterval * (v[lo] / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageBetween * 1.1;
  let interval = sampledInterval;
  interval += durationToStart < threshold ? durationToStart : averageBetween / 2;
  interval += durationToEnd < threshold ? durationToEnd : averageBetween / 2;
  return (result * (interval / sampledInterval)) / (rangeNs / 1e9);
}
