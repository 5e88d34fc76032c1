// Conversions Loki adds for line_format: base64, URL query escaping, JSON, byte sizes and durations.
import { ConversionError, durationSeconds, parseGoDuration, parseHumanBytes } from '../../go-convert.ts';
import { goString } from '../bytes.ts';
import { TemplateError } from '../errors.ts';
import type { GoMap, Value } from '../values.ts';
import { queryEscape } from './builtins.ts';
import { def, type FuncMap } from './types.ts';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

// sprig's b64dec: Go's padded standard decoding, which skips newlines and answers a bad input with
// the error's text ("illegal base64 data at input byte N") instead of failing.
function b64dec(v: string): string {
  const src = Buffer.from(v, 'utf8');
  const out: number[] = [];
  const skipNewlines = (i: number) => { while (i < src.length && (src[i] === 0x0a || src[i] === 0x0d)) i++; return i; };
  const bad = (at: number) => `illegal base64 data at input byte ${at}`;
  let si = 0;
  for (;;) {
    const quad: number[] = [];
    let end = false;
    while (quad.length < 4) {
      if (si === src.length) {
        if (quad.length === 0) return goString(Buffer.from(out));
        return bad(si - quad.length);
      }
      const c = src[si++];
      const d = B64.indexOf(String.fromCharCode(c));
      if (d >= 0 && c < 0x80) { quad.push(d); continue; }
      if (c === 0x0a || c === 0x0d) continue;
      if (c !== 0x3d || quad.length < 2) return bad(si - 1);
      // '=' after two symbols must be doubled; nothing but newlines may follow the padding.
      if (quad.length === 2) {
        si = skipNewlines(si);
        if (si === src.length) return bad(src.length);
        if (src[si] !== 0x3d) return bad(si - 1);
        si++;
      }
      si = skipNewlines(si);
      if (si < src.length) return bad(si);
      end = true;
      break;
    }
    const n = quad.length;
    const val = ((quad[0] ?? 0) << 18) | ((quad[1] ?? 0) << 12) | ((quad[2] ?? 0) << 6) | (quad[3] ?? 0);
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    out.push(...bytes.slice(0, n - 1));
    if (end) return goString(Buffer.from(out));
  }
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
  return goString(Buffer.from(bytes));
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
