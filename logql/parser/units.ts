// Durations as LogQL writes them: Go's time.ParseDuration units plus Prometheus' d, w, y, and
// Prometheus' stricter form for ranges. (Byte sizes are go-humanize's, in go-convert.ts.)

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
  w: 7 * 86400e9,
  y: 365 * 86400e9,
};

const DURATION = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d|w|y)/;

/** Nanoseconds; throws on anything that is not a duration. */
export function parseDuration(text: string): number {
  let s = text.trim();
  let sign = 1;
  if (s.startsWith('-')) {
    sign = -1;
    s = s.slice(1);
  } else if (s.startsWith('+')) s = s.slice(1);
  if (s === '0') return 0;
  if (s === '') throw new RangeError(`invalid duration ${JSON.stringify(text)}`);
  let total = 0;
  while (s.length) {
    const m = DURATION.exec(s);
    if (!m) throw new RangeError(`invalid duration ${JSON.stringify(text)}`);
    total += parseFloat(m[1]) * DURATION_UNITS[m[2]];
    s = s.slice(m[0].length);
  }
  return sign * Math.round(total);
}

/** Go/Prometheus style: 1h30m, 5m, 250ms. */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  let out = ns < 0 ? '-' : '';
  let rest = Math.abs(ns);
  if (rest % 1e6 !== 0 || rest < 1e9) {
    if (rest % 1e6 === 0) return `${out}${rest / 1e6}ms`;
    if (rest % 1e3 === 0) return `${out}${rest / 1e3}us`;
    if (rest < 1e9) return `${out}${rest}ns`;
  }
  for (const [unit, size] of [['d', 86400e9], ['h', 3600e9], ['m', 60e9], ['s', 1e9], ['ms', 1e6], ['us', 1e3], ['ns', 1]] as const) {
    if (rest >= size) {
      const n = Math.floor(rest / size);
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

const PROM_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const PROM_UNITS_MS = [365n * 86_400_000n, 7n * 86_400_000n, 86_400_000n, 3_600_000n, 60_000n, 1000n, 1n];
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Prometheus' model.ParseDuration, which Loki uses for ranges (`[5m]`), `since` and `step`: whole
 * units in the order y w d h m s ms, no fractions or signs; `0` alone is allowed. Nanoseconds;
 * throws RangeError with Prometheus' texts.
 */
export function parsePromDuration(text: string): bigint {
  if (text === '0') return 0n;
  if (text === '') throw new RangeError('empty duration string');
  const m = PROM_DURATION.exec(text);
  if (!m) throw new RangeError(`not a valid duration string: ${JSON.stringify(text)}`);
  let ms = 0n;
  for (let i = 0; i < PROM_UNITS_MS.length; i++) if (m[i + 1] !== undefined) ms += BigInt(m[i + 1]) * PROM_UNITS_MS[i];
  const ns = ms * 1_000_000n;
  if (ns > INT64_MAX) throw new RangeError('duration out of range');
  return ns;
}
