// Unwrap's conversions of a label value to a sample, with the parsers and error texts of Go that
// Loki uses (strconv.ParseFloat, time.ParseDuration, go-humanize's ParseBytes): the error text
// becomes the __error_details__ label a user sees.
import type { UnwrapConversion } from '../ast.ts';
import { quote } from '../labels.ts';

export class ConversionError extends Error {
  override name = 'ConversionError';
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))[pP]([+-]?\d+)$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/** strconv.ParseFloat(s, 64). */
export function parseGoFloat(s: string): number {
  const fail = (why: string) => new ConversionError(`strconv.ParseFloat: parsing ${quote(s)}: ${why}`);
  const special = SPECIAL.exec(s);
  if (special) {
    if (special[2].toLowerCase() === 'nan') {
      if (special[1]) throw fail('invalid syntax');
      return NaN;
    }
    return special[1] === '-' ? -Infinity : Infinity;
  }
  let v: number;
  if (DECIMAL.test(s)) v = Number(s);
  else {
    const hex = HEX.exec(s);
    if (!hex) throw fail('invalid syntax');
    const [int, frac = ''] = hex[2].split('.');
    v = (parseInt(int || '0', 16) + (frac ? parseInt(frac, 16) / 16 ** frac.length : 0)) * 2 ** Number(hex[3]);
    if (hex[1] === '-') v = -v;
  }
  if (!Number.isFinite(v)) throw fail('value out of range');
  return v;
}

const GO_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** time.ParseDuration(s), in seconds (Duration.Seconds()). */
export function parseGoDurationSeconds(orig: string): number {
  const invalid = () => new ConversionError(`time: invalid duration ${quote(orig)}`);
  let s = orig;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let ns = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const [whole, int, frac] = m;
    if (int === '' && (frac === undefined || frac === '')) throw invalid();
    s = s.slice(whole.length);
    const unit = /^[^\d.]*/.exec(s)![0];
    if (unit === '') throw new ConversionError(`time: missing unit in duration ${quote(orig)}`);
    const size = GO_UNITS[unit];
    if (size === undefined) throw new ConversionError(`time: unknown unit ${quote(unit)} in duration ${quote(orig)}`);
    s = s.slice(unit.length);
    ns += Number(`${int || '0'}.${frac ?? ''}0`) * size;
  }
  if (ns > 9223372036854775807) throw invalid();
  const seconds = Math.trunc(ns) / 1e9;
  return neg ? -seconds : seconds;
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

/** The sample an unwrapped label value gives; throws ConversionError with Go's text. */
export function convertUnwrapped(value: string, conversion: UnwrapConversion | undefined): number {
  switch (conversion) {
    case 'bytes':
      return parseHumanBytes(value);
    case 'duration':
    case 'duration_seconds':
      return parseGoDurationSeconds(value);
    default:
      return parseGoFloat(value);
  }
}
