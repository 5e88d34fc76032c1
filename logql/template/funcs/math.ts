// sprig's arithmetic as Loki exposes it: int64 results for add/sub/..., float64 through exact decimals for addf/...
import { TemplateError } from '../errors.ts';
import type { Value } from '../values.ts';
import { i64, toFloat64, toInt64 } from './convert.ts';
import { def, type FuncMap } from './types.ts';

// shopspring/decimal from a float's shortest digits, so addf 0.1 0.2 is 0.3.
interface Dec { m: bigint; e: number }
function dec(f: number): Dec {
  if (!Number.isFinite(f)) throw new TemplateError(`cannot create a decimal from ${f}`);
  const [mant, ex] = f.toExponential().split('e');
  const [ip, fp = ''] = mant.split('.');
  return { m: BigInt(ip + fp), e: Number(ex) - fp.length };
}
function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const e = Math.min(a.e, b.e);
  return [a.m * 10n ** BigInt(a.e - e), b.m * 10n ** BigInt(b.e - e), e];
}
const decNum = (d: Dec) => Number(`${d.m}e${d.e}`);
const DIV_PRECISION = 16; // decimal.DivisionPrecision
function decOp(op: '+' | '-' | '*' | '/', a: Dec, b: Dec): Dec {
  if (op === '*') return { m: a.m * b.m, e: a.e + b.e };
  if (op === '/') {
    if (b.m === 0n) throw new TemplateError('decimal division by 0');
    // Scale so the quotient has DIV_PRECISION decimal places, rounding half away from zero.
    const shift = DIV_PRECISION + 1 + a.e - b.e;
    let num = a.m * (shift >= 0 ? 10n ** BigInt(shift) : 1n);
    const den = b.m * (shift < 0 ? 10n ** BigInt(-shift) : 1n);
    num = num / den;
    const neg = num < 0n;
    let abs = neg ? -num : num;
    abs = (abs + 5n) / 10n;
    return { m: neg ? -abs : abs, e: -DIV_PRECISION };
  }
  const [x, y, e] = align(a, b);
  return { m: op === '+' ? x + y : x - y, e };
}
const decFold = (op: '+' | '-' | '*' | '/', first: Value, rest: Value[]): number => {
  let acc = dec(toFloat64(first));
  for (const r of rest) acc = decOp(op, acc, dec(toFloat64(r)));
  return decNum(acc);
};

const divByZero = () => new TemplateError('runtime error: integer divide by zero');

// sprig's round: half-up at the given places, with an optional threshold.
function round(a: Value, places: bigint, opt: Value[]): number {
  const roundOn = opt.length > 0 ? (opt[0] as number) : 0.5;
  const pow = 10 ** Number(places);
  const digit = pow * toFloat64(a);
  const frac = digit - Math.trunc(digit);
  return (frac >= roundOn ? Math.ceil(digit) : Math.floor(digit)) / pow;
}

export const mathFuncs: FuncMap = {
  int: def(['any'], ([v]) => BigInt.asIntN(64, toInt64(v))),
  float64: def(['any'], ([v]) => toFloat64(v)),
  add: def([], (args) => i64(args.reduce<bigint>((s, v) => s + toInt64(v), 0n)), 'any'),
  sub: def(['any', 'any'], ([a, b]) => i64(toInt64(a) - toInt64(b))),
  mul: def(['any'], ([a, ...rest]) => i64(rest.reduce<bigint>((s, v) => BigInt.asIntN(64, s * toInt64(v)), toInt64(a))), 'any'),
  div: def(['any', 'any'], ([a, b]) => {
    const d = toInt64(b);
    if (d === 0n) throw divByZero();
    return i64(toInt64(a) / d);
  }),
  mod: def(['any', 'any'], ([a, b]) => {
    const d = toInt64(b);
    if (d === 0n) throw divByZero();
    return i64(toInt64(a) % d);
  }),
  addf: def([], (args) => decFold('+', 0, args), 'any'),
  subf: def(['any'], ([a, ...rest]) => decFold('-', a, rest), 'any'),
  mulf: def(['any'], ([a, ...rest]) => decFold('*', a, rest), 'any'),
  divf: def(['any'], ([a, ...rest]) => decFold('/', a, rest), 'any'),
  max: def(['any'], ([a, ...rest]) => i64(rest.reduce<bigint>((m, v) => { const x = toInt64(v); return x > m ? x : m; }, toInt64(a))), 'any'),
  min: def(['any'], ([a, ...rest]) => i64(rest.reduce<bigint>((m, v) => { const x = toInt64(v); return x < m ? x : m; }, toInt64(a))), 'any'),
  maxf: def(['any'], ([a, ...rest]) => rest.reduce<number>((m, v) => Math.max(m, toFloat64(v)), toFloat64(a)), 'any'),
  minf: def(['any'], ([a, ...rest]) => rest.reduce<number>((m, v) => Math.min(m, toFloat64(v)), toFloat64(a)), 'any'),
  ceil: def(['any'], ([a]) => Math.ceil(toFloat64(a))),
  floor: def(['any'], ([a]) => Math.floor(toFloat64(a))),
  round: def(['any', 'int'], ([a, p, ...opt]) => round(a, p as bigint, opt), 'float'),
};
