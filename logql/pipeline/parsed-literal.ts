// `| json | level="error"`: a label a parser takes from the line can only equal "error" if the
// line's bytes hold "error", or a backslash (an escape could spell it). So such a pipeline scans
// each batch for both with indexOf and parses only the lines that have one; the others would fail
// the filter. A stream label or structured metadata of that name gives the label its value
// without the line: for those the scan is not used.
import type { LabelFilter, Stage } from '../ast.ts';
import { ERROR, ERROR_DETAILS } from './label-filter.ts';

export interface ParsedLiteral {
  /** The label the filter asks for. */
  name: string;
  /** Its value's bytes, which a line that passes holds unless it has a backslash. */
  needle: Buffer;
}

/** A `name="value"` every passing entry meets; `and` needs both sides, so either serves. */
function requiredEquality(f: LabelFilter): { name: string; value: string } | undefined {
  if (f.kind === 'and') return requiredEquality(f.left) ?? requiredEquality(f.right);
  if (f.kind !== 'string' || f.matcher.op !== '=' || f.matcher.value === '') return undefined;
  const { name, value } = f.matcher;
  // the parser itself sets these, from no byte of the line
  return name === ERROR || name === ERROR_DETAILS ? undefined : { name, value };
}

/** For stages that follow the line filters: the literal, when they start with a parser and its filters. */
export function parsedLiteral(stages: Stage[]): ParsedLiteral | undefined {
  const parser = stages[0];
  // a parser without parameters takes every value from the line's bytes as they are, or unescaped
  if (!parser || !((parser.type === 'json' || parser.type === 'logfmt') && parser.params.length === 0)) return undefined;
  for (let k = 1; k < stages.length; k++) {
    const s = stages[k];
    if (s.type !== 'labelFilter') return undefined;
    const eq = requiredEquality(s.filter);
    if (eq) return { name: eq.name, needle: Buffer.from(eq.value, 'utf8') };
  }
  return undefined;
}
