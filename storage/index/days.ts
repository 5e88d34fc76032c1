// Index files are per tenant and UTC day; a day is written `YYYY-MM-DD` in object keys.
const NS_PER_DAY = 86_400_000_000_000n;

/** Day number since 1970-01-01 (floor, so times before 1970 fall on the day they belong to). */
const dayNumber = (ns: bigint): bigint => (ns >= 0n ? ns / NS_PER_DAY : (ns - NS_PER_DAY + 1n) / NS_PER_DAY);

const dayName = (d: bigint): string => new Date(Number(d) * 86_400_000).toISOString().slice(0, 10);

/** `YYYY-MM-DD` of a nanosecond time, UTC. */
export const dayOf = (ns: bigint): string => dayName(dayNumber(ns));

/**
 * Every day from `from` to `through` inclusive, the first `max` of them if more (a hostile range
 * must stay cheap; 3700 days is ten years). Days past what Date can print are clamped to its range.
 */
export function daysOf(from: bigint, through: bigint, max = 3700): string[] {
  const out: string[] = [];
  const first = clamp(dayNumber(from));
  const last = clamp(dayNumber(through));
  for (let d = first; d <= last && out.length < max; d++) out.push(dayName(d));
  return out;
}

// Date handles ±100,000,000 days around 1970; int64 nanoseconds span about ±106,751 days
const clamp = (d: bigint): bigint => (d < -100_000_000n ? -100_000_000n : d > 100_000_000n ? 100_000_000n : d);
