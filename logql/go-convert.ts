// Go's conversions of text to numbers, as Loki applies them to label values (unwrap, label
// filters) and templates: strconv.ParseFloat, time.ParseDuration and go-humanize's ParseBytes.
// Their error texts reach users in __error_details__, so they are Go's words.
import { quote } from '../model/labels.ts';

export class ConversionError extends Error {
  override name = 'ConversionError';
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))[pP]([+-]?\d+)$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/** strconv.ParseFloat(s, 64): the value, or Go's reason for refusing it. */
function goFloat(s: string): number | 'invalid syntax' | 'value out of range' {
  const special = SPECIAL.exec(s);
  if (special) {
    if (special[2].toLowerCase() === 'nan') return special[1] ? 'invalid syntax' : NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  let v: number;
  if (DECIMAL.test(s)) v = Number(s);
  else {
    const hex = HEX.exec(s);
    if (!hex) return 'invalid syntax';
    const [int, frac = ''] = hex[2].split('.');
    v = (parseInt(int || '0', 16) + (frac ? parseInt(frac, 16) / 16 ** frac.length : 0)) * 2 ** Number(hex[3]);
    if (hex[1] === '-') v = -v;
  }
  return Number.isFinite(v) ? v : 'value out of range';
}

/** strconv.ParseFloat(s, 64); throws ConversionError with Go's text. */
export function parseGoFloat(s: string): number {
  const v = goFloat(s);
  if (typeof v === 'string') throw new ConversionError(`strconv.ParseFloat: parsing ${quote(s)}: ${v}`);
  return v;
}

/** strconv.ParseFloat(s, 64) where a refusal is simply no value. */
export function tryGoFloat(s: string): number | undefined {
  const v = goFloat(s);
  return typeof v === 'string' ? undefined : v;
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const MAX_NS = 9223372036854775807;
const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * time.ParseDuration(s) in whole nanoseconds; throws ConversionError with Go's text. A character
 * loop rather than regular expressions: label filters call it for every line.
 */
const invalidDuration = (orig: string) => new ConversionError(`time: invalid duration ${quote(orig)}`);

export function parseGoDuration(orig: string): number {
  let i = 0;
  const n = orig.length;
  let neg = false;
  if (i < n && (orig[i] === '-' || orig[i] === '+')) neg = orig[i++] === '-';
  if (n - i === 1 && orig[i] === '0') return 0;
  if (i === n) throw invalidDuration(orig);
  let total = 0;
  while (i < n) {
    const c = orig.charCodeAt(i);
    if (c !== 46 /* . */ && !isDigit(c)) throw invalidDuration(orig);
    let int = 0;
    const intStart = i;
    while (i < n && isDigit(orig.charCodeAt(i))) int = int * 10 + (orig.charCodeAt(i++) - 48);
    let digits = i > intStart;
    let frac = 0;
    let scale = 1;
    if (orig.charCodeAt(i) === 46) {
      i++;
      const fracStart = i;
      // Go stops scaling the fraction once it would overflow; digits past that do not count
      while (i < n && isDigit(orig.charCodeAt(i))) {
        if (scale < 1e18) {
          frac = frac * 10 + (orig.charCodeAt(i) - 48);
          scale *= 10;
        }
        i++;
      }
      digits ||= i > fracStart;
    }
    if (!digits) throw invalidDuration(orig);
    const unitStart = i;
    while (i < n && orig.charCodeAt(i) !== 46 && !isDigit(orig.charCodeAt(i))) i++;
    if (i === unitStart) throw new ConversionError(`time: missing unit in duration ${quote(orig)}`);
    const unit = orig.slice(unitStart, i);
    const size = UNIT_NS[unit];
    if (size === undefined) throw new ConversionError(`time: unknown unit ${quote(unit)} in duration ${quote(orig)}`);
    total += int * size + (frac > 0 ? Math.trunc(frac * (size / scale)) : 0);
    if (total > MAX_NS) throw invalidDuration(orig);
  }
  return neg ? -total : total;
}

/** time.Duration's String() for whole nanoseconds: "721h0m0s", "1m30s", "1.5ms", "0s". */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let d = Math.abs(ns);
  const frac = (n: number, digits: number) => {
    const whole = Math.trunc(n / 10 ** digits);
    const rest = String(n % 10 ** digits).padStart(digits, '0').replace(/0+$/, '');
    return rest ? `${whole}.${rest}` : String(whole);
  };
  if (d < 1e3) return `${sign}${d}ns`;
  if (d < 1e6) return `${sign}${frac(d, 3)}µs`;
  if (d < 1e9) return `${sign}${frac(d, 6)}ms`;
  let out = `${frac(d % 60e9, 9)}s`;
  d = Math.trunc(d / 60e9);
  if (d > 0) {
    out = `${d % 60}m${out}`;
    d = Math.trunc(d / 60);
    if (d > 0) out = `${d}h${out}`;
  }
  return sign + out;
}

/** time.Duration's Seconds(): whole seconds plus the nanosecond rest, as Go adds them. */
export function durationSeconds(ns: number): number {
  const rest = ns % 1e9;
  return (ns - rest) / 1e9 + rest / 1e9;
}

const BYTE_SIZES: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, ki: 1024, kib: 1024,
  m: 1e6, mb: 1e6, mi: 1024 ** 2, mib: 1024 ** 2,
  g: 1e9, gb: 1e9, gi: 1024 ** 3, gib: 1024 ** 3,
  t: 1e12, tb: 1e12, ti: 1024 ** 4, tib: 1024 ** 4,
  p: 1e15, pb: 1e15, pi: 1024 ** 5, pib: 1024 ** 5,
  e: 1e18, eb: 1e18, ei: 1024 ** 6, eib: 1024 ** 6,
};

/** go-humanize's Bytes: SI units, one decimal below 10 ("8.0 GB", "641 MB", "42 B"). */
export function formatHumanBytes(n: number): string {
  if (n < 10) return `${n} B`;
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const e = Math.min(Math.floor(Math.log(n) / Math.log(1000)), units.length - 1);
  const v = Math.floor((n / 1000 ** e) * 10 + 0.5) / 10;
  return `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ${units[e]}`;
}

/** go-humanize's ParseBytes: a number (commas allowed), optional spaces, then a unit, any case. */
export function parseHumanBytes(s: string): number {
  const m = /^[\d.,]*/.exec(s)![0];
  const f = parseGoFloat(m.replaceAll(',', ''));
  const unit = s.slice(m.length).trim().toLowerCase();
  const size = BYTE_SIZES[unit];
  if (size === undefined) throw new ConversionError(`unhandled size name: ${unit}`);
  const v = f * size;
  if (v >= 2 ** 64) throw new ConversionError(`too large: ${s}`);
  return Math.trunc(v);
}
