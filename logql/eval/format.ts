// How results spell numbers and order series, as Loki's JSON and Prometheus' label sorting do.
import type { Labels } from '../../model/labels.ts';

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent; Prometheus' specials. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  if (!s.includes('e')) return s;
  // toExponential() without digits gives the shortest digits that round-trip, like String()
  const [mant, expText] = v.toExponential().split('e');
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const exp = Number(expText);
  let out: string;
  if (exp >= 0) out = digits.length > exp + 1 ? `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}` : digits + '0'.repeat(exp + 1 - digits.length);
  else out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  return (neg ? '-' : '') + out;
}

/** Unix seconds with millisecond precision, as Loki writes a point's time. */
export const pointTime = (t: bigint): number => Number(t / 1_000_000n) / 1000;

/** Prometheus' labels.Compare: name, then value, pair by pair; a prefix sorts first. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i][0] !== b[i][0]) return a[i][0] < b[i][0] ? -1 : 1;
    if (a[i][1] !== b[i][1]) return a[i][1] < b[i][1] ? -1 : 1;
  }
  return a.length - b.length;
}
