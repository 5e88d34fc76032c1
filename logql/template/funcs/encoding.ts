// Conversions Loki adds for line_format: base64, URL query escaping, JSON, byte sizes and durations.
import { TemplateError } from '../errors.ts';
import type { GoMap, Value } from '../values.ts';
import { queryEscape } from './builtins.ts';
import { parseGoFloat } from './convert.ts';
import { def, type FuncMap } from './types.ts';

// Loki's b64dec: pads a short input, returns Go's error text instead of failing.
function b64dec(v: string): string {
  const rem = v.length % 4;
  if (rem !== 0 && rem !== 1) v += '='.repeat(4 - rem);
  const bad = /[^A-Za-z0-9+/=]|=[^=]|={3,}/.exec(v);
  if (bad) return `illegal base64 data at input byte ${bad.index}`;
  if (v.length % 4 !== 0) return `illegal base64 data at input byte ${v.length - (v.length % 4)}`;
  return Buffer.from(v, 'base64').toString('utf8');
}

// url.QueryUnescape: + is a space, a bad escape is an error.
function urldecode(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new TemplateError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (c === '+') bytes.push(0x20);
    else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

// encoding/json into interface{}: objects become maps, numbers float64; invalid JSON gives nil.
function fromJson(s: string): Value {
  let raw: unknown;
  try {
    raw = JSON.parse(s);
  } catch {
    return null;
  }
  const conv = (x: unknown): Value => {
    if (x === null || typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') return x;
    if (Array.isArray(x)) return x.map(conv);
    const m: GoMap = new Map();
    for (const [k, v] of Object.entries(x as object)) m.set(k, conv(v));
    return m;
  };
  return conv(raw);
}

// go-humanize ParseBytes: "42 MB", "1.5GiB", "1,024 kb".
const SIZES: Record<string, number> = {
  b: 1, '': 1,
  kib: 1024, kb: 1000, ki: 1024, k: 1000,
  mib: 1024 ** 2, mb: 1e6, mi: 1024 ** 2, m: 1e6,
  gib: 1024 ** 3, gb: 1e9, gi: 1024 ** 3, g: 1e9,
  tib: 1024 ** 4, tb: 1e12, ti: 1024 ** 4, t: 1e12,
  pib: 1024 ** 5, pb: 1e15, pi: 1024 ** 5, p: 1e15,
  eib: 1024 ** 6, eb: 1e18, ei: 1024 ** 6, e: 1e18,
};
function parseBytes(s: string): number {
  const m = /^[0-9.,]*/.exec(s)![0];
  const f = parseGoFloat(m.replace(/,/g, ''));
  if (f === null) throw new TemplateError(`strconv.ParseFloat: parsing ${JSON.stringify(m)}: invalid syntax`);
  const unit = s.slice(m.length).trim().toLowerCase();
  if (!(unit in SIZES)) throw new TemplateError(`unhandled size name: ${unit}`);
  const v = f * SIZES[unit];
  if (v >= 2 ** 64) throw new TemplateError(`too large: ${s}`);
  return Math.trunc(v);
}

// time.ParseDuration, in seconds.
const UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
export function parseDuration(s: string): number {
  const bad = () => new TemplateError(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s;
  let neg = false;
  if (rest[0] === '-' || rest[0] === '+') { neg = rest[0] === '-'; rest = rest.slice(1); }
  if (rest === '0') return 0;
  if (rest === '') throw bad();
  let total = 0;
  while (rest) {
    const m = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!m || m[1] === '' || m[1] === '.') {
      if (/^[0-9.]+$/.test(rest)) throw new TemplateError(`time: missing unit in duration ${JSON.stringify(s)}`);
      throw bad();
    }
    total += Number(m[1]) * UNITS[m[2]];
    rest = rest.slice(m[0].length);
  }
  // Durations are whole nanoseconds in Go.
  return (neg ? -1 : 1) * Math.round(total * 1e9) / 1e9;
}

export const encodingFuncs: FuncMap = {
  b64enc: def(['string'], ([s]) => Buffer.from(s as string, 'utf8').toString('base64')),
  b64dec: def(['string'], ([s]) => b64dec(s as string)),
  urlencode: def(['string'], ([s]) => queryEscape(s as string)),
  urldecode: def(['string'], ([s]) => urldecode(s as string)),
  fromJson: def(['string'], ([s]) => fromJson(s as string)),
  bytes: def(['string'], ([s]) => parseBytes(s as string)),
  duration: def(['string'], ([s]) => parseDuration(s as string)),
  duration_seconds: def(['string'], ([s]) => parseDuration(s as string)),
};
