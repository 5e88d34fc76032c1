// Stream selectors `{a="b", c=~"d"}` and single matchers; regexes are checked as Loki checks them,
// anchored, when the matcher is built.
import type { Matcher, MatchOp } from '../../model/matchers.ts';
import type { Cursor } from './cursor.ts';
import { ParseError } from './errors.ts';
import { regexpError } from './regexp-errors.ts';

const MATCH_OPS = new Set(['=', '!=', '=~', '!~']);
/** Loki's list after a label name in a selector. */
const EXPECT_MATCH_OP = ['=', '=~', '!~', '!='];

/** A matcher's regex is compiled anchored; Loki gives up on a bad one at once, with no position. */
export function checkMatcherRegex(pattern: string): void {
  const err = regexpError(`^(?:${pattern})$`);
  if (err) throw new ParseError(err);
}

/** `name op "value"`, the name already known to be there. */
export function parseMatcherAfterName(c: Cursor, name: string): Matcher {
  const op = c.peek();
  if (op.kind !== 'op' || !MATCH_OPS.has(op.text)) throw c.unexpected(EXPECT_MATCH_OP);
  c.next();
  const v = c.expectKind('string', ['STRING']);
  if (op.text === '=~' || op.text === '!~') checkMatcherRegex(v.text);
  return { name, op: op.text as MatchOp, value: v.text };
}

/** `{...}`; the rule that one matcher must refuse the empty string is checked after parsing. */
export function parseSelector(c: Cursor): Matcher[] {
  c.expect('{');
  const matchers: Matcher[] = [];
  if (c.accept('}')) return matchers;
  let expecting = ['IDENTIFIER', '}'];
  for (;;) {
    const name = c.expectKind('ident', expecting).text;
    matchers.push(parseMatcherAfterName(c, name));
    if (c.accept('}')) return matchers;
    if (!c.accept(',')) throw c.unexpected(['}', ',']);
    expecting = ['IDENTIFIER'];
  }
}
