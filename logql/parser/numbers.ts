// Numbers as Loki reads them with Go's strconv: which texts it refuses, and how it prints a value
// in an error.
import type { Expr } from '../ast.ts';

const GO_FLOAT = /^(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+)$/;

/** strconv.ParseFloat's complaint about a number's text, or undefined when Go reads it. */
export const goFloatError = (text: string): string | undefined =>
  GO_FLOAT.test(text) ? undefined : `strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`;

/** True when strconv.Atoi reads the text. */
export const goIntOk = (text: string): boolean => /^\d+$/.test(text) && Number.isSafeInteger(Number(text));

/** Go's %f. */
export const printGoFloat = (v: number): string => (Number.isNaN(v) ? 'NaN' : !Number.isFinite(v) ? (v > 0 ? '+Inf' : '-Inf') : v.toFixed(6));

const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
  '^': (a, b) => a ** b,
};

/** The value of an expression Loki folds into one literal while parsing (numbers and arithmetic on them). */
export function literalValue(e: Expr): number | undefined {
  if (e.kind === 'literal') return e.value;
  if (e.kind !== 'binary' || !(e.op in ARITHMETIC)) return undefined;
  const l = literalValue(e.left);
  const r = literalValue(e.right);
  return l === undefined || r === undefined ? undefined : ARITHMETIC[e.op](l, r);
}
