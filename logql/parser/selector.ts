// Stream selectors `{a="b", c=~"d"}`, single matchers, and regex checks at parse time (RE2).
import RE2 from 're2';
import type { Matcher, MatchOp } from '../ast.ts';
import { compileMatcher } from '../matchers.ts';
import type { Cursor } from './cursor.ts';
import type { Token } from './lexer.ts';

const MATCH_OPS = new Set(['=', '!=', '=~', '!~']);

export function checkRegex(c: Cursor, pattern: string, at: Token): void {
  try {
    new RE2(pattern);
  } catch (err) {
    throw c.fail(`error parsing regexp: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`, at);
  }
}

export function parseMatcher(c: Cursor): Matcher {
  const name = c.expectKind('ident', 'IDENTIFIER').text;
  const op = c.peek();
  if (op.kind !== 'op' || !MATCH_OPS.has(op.text)) throw c.unexpected('expecting "=", "!=", "=~" or "!~"');
  c.next();
  const v = c.expectKind('string', 'STRING');
  if (op.text === '=~' || op.text === '!~') checkRegex(c, v.text, v);
  return { name, op: op.text as MatchOp, value: v.text };
}

/** `{...}`; Loki needs one matcher that does not accept the empty string. */
export function parseSelector(c: Cursor): Matcher[] {
  const open = c.expect('{');
  const matchers: Matcher[] = [];
  if (!c.isOp('}'))
    do matchers.push(parseMatcher(c));
    while (c.accept(','));
  c.expect('}');
  if (!matchers.some((m) => !compileMatcher(m)('')))
    throw c.fail(
      'queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will',
      open,
    );
  return matchers;
}
