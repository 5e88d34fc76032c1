// The value of a binary operation on two numbers, as Loki's MergeBinOp computes it: the evaluator
// applies it per sample, the parser to fold literals (`1 + 2`) as Loki's parser does.
import type { BinaryOp } from './ast.ts';
import { QueryError } from './errors.ts';

/** Loki's MergeBinOp on values; comparisons give 1 or 0; division or modulo by zero is NaN. */
export function applyOp(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return b === 0 ? NaN : a / b;
    case '%': return b === 0 ? NaN : a % b;
    case '^': return Math.pow(a, b);
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
    case '<': return a < b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    default: throw new QueryError(`unexpected operation: (${op})`, 500);
  }
}
