// spf13/cast as sprig uses it: anything to int64 or float64, with failures becoming 0 instead of errors.
import { tryGoFloat } from '../../go-convert.ts';
import { Int64, type Value, isInt, intOf } from '../values.ts';

// strconv.ParseInt(s, 0, 64): sign, 0x/0o/0b/0 prefixes, underscores only after a prefix.
export function parseGoInt(s: string): bigint | null {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return null;
  let body = m[2];
  if (body.includes('_') && !/^0/.test(body)) return null;
  body = body.replace(/_/g, '');
  let v: bigint;
  if (/^0[0-7]+$/.test(body)) v = BigInt('0o' + body.slice(1));
  else v = BigInt(body.toLowerCase());
  if (m[1] === '-') v = -v;
  if (v < -(2n ** 63n) || v >= 2n ** 63n) return null;
  return v;
}

export function toInt64(v: Value): bigint {
  if (isInt(v)) return intOf(v);
  // Go's int64(f) on amd64: NaN, infinities and anything out of range become the smallest int64.
  if (typeof v === 'number') return Number.isFinite(v) && Math.abs(v) < 2 ** 63 ? BigInt(Math.trunc(v)) : -(2n ** 63n);
  if (typeof v === 'string') return parseGoInt(v) ?? 0n;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return 0n;
}

export function toFloat64(v: Value): number {
  if (typeof v === 'number') return v;
  if (isInt(v)) return Number(intOf(v));
  if (typeof v === 'string') return tryGoFloat(v) ?? 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return 0;
}

export const i64 = (v: bigint) => new Int64(BigInt.asIntN(64, v));
