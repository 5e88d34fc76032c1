// Splits a query's time range into sub-ranges of `split_queries_by_interval`, aligned to the
// interval so that caches and queriers see the same pieces for every query.

export interface SubRange {
  start: bigint;
  end: bigint;
}

/** Log queries: [start, end) cut at multiples of the interval. */
export function splitLogRange(start: bigint, end: bigint, interval: bigint): SubRange[] {
  if (interval <= 0n || end <= start) return [{ start, end }];
  const out: SubRange[] = [];
  let at = start;
  while (at < end) {
    const next = (at / interval + 1n) * interval;
    const stop = next < end ? next : end;
    out.push({ start: at, end: stop });
    at = stop;
  }
  return out;
}

/**
 * Metric range queries: the steps of [start, end] (both on the step grid, inclusive) grouped by
 * interval, so each step is evaluated by exactly one sub-query.
 */
export function splitStepRange(start: bigint, end: bigint, step: bigint, interval: bigint): SubRange[] {
  if (interval <= 0n || step <= 0n || end <= start) return [{ start, end }];
  const out: SubRange[] = [];
  let at = start;
  while (at <= end) {
    const boundary = (at / interval + 1n) * interval;
    // the last step strictly before the next boundary, but at least `at`
    let last = at + ((boundary - 1n - at) / step) * step;
    if (last > end) last = end - ((end - at) % step);
    out.push({ start: at, end: last });
    at = last + step;
  }
  return out;
}
