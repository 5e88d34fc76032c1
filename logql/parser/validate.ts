// The checks Loki makes on a parsed tree before running it, in its order: each node's own error
// (found while parsing, kept until now), then sort's grouping, then the stream selector's matchers.
import type { Expr, SampleExpr } from '../ast.ts';
import { compileMatcher, type Matcher } from '../../model/matchers.ts';
import { ParseError } from './errors.ts';

/** Errors Loki records on a node while parsing and reports only when it validates the tree. */
export type Later = Map<object, ParseError>;

const NEEDS_MATCHER =
  'queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will';

export function checkMatchers(ms: Matcher[]): void {
  if (!ms.some((m) => !compileMatcher(m)(''))) throw new ParseError(NEEDS_MATCHER);
}

export function validate(e: Expr, later: Later): void {
  if (e.kind === 'log') checkMatchers(e.matchers);
  else validateSample(e, later);
}

function validateSample(e: SampleExpr, later: Later): void {
  const own = later.get(e);
  if (own) throw own;
  switch (e.kind) {
    case 'binary':
      validate(e.left, later);
      validate(e.right, later);
      return;
    case 'literal':
    case 'vectorLiteral':
      return;
    case 'vector':
      if ((e.op === 'sort' || e.op === 'sort_desc') && e.grouping?.labels.length)
        throw new ParseError("sort and sort_desc doesn't allow grouping by ");
      validate(e.inner, later);
      return;
    default: {
      const ms = selectorOf(e, later);
      if (ms) checkMatchers(ms);
    }
  }
}

/** The selector Loki checks for a range aggregation or label_replace: the leftmost one below it. */
function selectorOf(e: Expr, later: Later): Matcher[] | undefined {
  const own = later.get(e);
  if (own) throw own;
  switch (e.kind) {
    case 'log':
      return e.matchers;
    case 'range':
      return e.range.log.matchers;
    case 'vector':
    case 'labelReplace':
      return selectorOf(e.inner, later);
    case 'binary':
      return selectorOf(e.left, later);
    case 'literal':
      // a literal has no matchers at all, so the check fails
      return [];
    case 'vectorLiteral':
      return undefined;
  }
}
