// Numbers as Loki reads them with Go's strconv: which texts it refuses, and how it prints a value
// in an error.
import type { Expr } from '../ast.ts';
import { applyOp } from '../binary-op.ts';
import { ConversionError, parseGoFloat } from '../go-convert.ts';

/** strconv.ParseFloat's complaint about a number's text, or undefined when Go reads it. */
export function goFloatError(text: string): string | undefined {
  try {
    parseGoFloat(text);
    return undefined;
  } catch (err) {
    if (err instanceof ConversionError) return err.message;
    throw err;
  }
}

/** True when strconv.Atoi reads the text. */
export const goIntOk = (text: string): boolean => /^\d+$/.test(text) && Number.isSafeInteger(Number(text));

/** Go's %f. */
export const printGoFloat = (v: number): string => (Number.isNaN(v) ? 'NaN' : !Number.isFinite(v) ? (v > 0 ? '+Inf' : '-Inf') : v.toFixed(6));

const SET_OPS = new Set(['and', 'or', 'unless']);

/** The value of an expression Loki folds into one literal while parsing (numbers and operations on them). */
export function literalValue(e: Expr): number | undefined {
  if (e.kind === 'literal') return e.value;
  if (e.kind !== 'binary' || SET_OPS.has(e.op)) return undefined;
  const l = literalValue(e.left);
  const r = literalValue(e.right);
  return l === undefined || r === undefined ? undefined : applyOp(e.op, l, r);
}
