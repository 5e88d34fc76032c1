// Conversions Loki adds for line_format: base64, URL query escaping, JSON, byte sizes and durations.
import { ConversionError, durationSeconds, parseGoDuration, parseHumanBytes } from '../../go-convert.ts';
import { TemplateError } from '../errors.ts';
import type { GoMap, Value } from '../values.ts';
import { queryEscape } from './builtins.ts';
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

// Go's errors become template errors: the template fails with Go's text, as in Loki.
function goConversion<T>(f: (s: string) => T): (s: string) => T {
  return (s) => {
    try {
      return f(s);
    } catch (err) {
      if (err instanceof ConversionError) throw new TemplateError(err.message);
      throw err;
    }
  };
}
const parseBytes = goConversion(parseHumanBytes);
const parseDuration = goConversion((s) => durationSeconds(parseGoDuration(s)));

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
