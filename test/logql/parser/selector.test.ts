import test from 'ava';
import { parseExpr, parseMatchers, ParseError } from '../../../logql/parser/index.ts';

test('a selector with every matcher kind and a chain of line filters parses to its tree', (t) => {
  t.deepEqual(parseExpr('{app="api", env!="dev", pod=~"api-.*", ns!~`kube-.*`} |= "error" != "timeout" |~ "5\\\\d\\\\d" !~ "(?i)health"'), {
    kind: 'log',
    matchers: [
      { name: 'app', op: '=', value: 'api' },
      { name: 'env', op: '!=', value: 'dev' },
      { name: 'pod', op: '=~', value: 'api-.*' },
      { name: 'ns', op: '!~', value: 'kube-.*' },
    ],
    pipeline: [
      { type: 'lineFilter', op: '|=', values: [{ kind: 'string', value: 'error' }] },
      { type: 'lineFilter', op: '!=', values: [{ kind: 'string', value: 'timeout' }] },
      { type: 'lineFilter', op: '|~', values: [{ kind: 'string', value: '5\\d\\d' }] },
      { type: 'lineFilter', op: '!~', values: [{ kind: 'string', value: '(?i)health' }] },
    ],
  });
});

test('or between line filter values is one stage', (t) => {
  const e = parseExpr('{a="b"} |= "x" or "y"');
  t.deepEqual(e.kind === 'log' && e.pipeline[0], { type: 'lineFilter', op: '|=', values: [{ kind: 'string', value: 'x' }, { kind: 'string', value: 'y' }] });
});

/** Each with Loki v2.8.11's message, checked against it. */
const invalid: Array<[string, string]> = [
  ['{a="b"', 'parse error at line 1, col 7: syntax error: unexpected $end, expecting } or ,'],
  ['{a=""}', 'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will'],
  ['{a=~".*"}', 'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will'],
  ['{a="b"} |~ "("', "parse error : stage '|~ \"(\"' : error parsing regexp: missing closing ): `(`"],
  ['{a=~"[z-a]"}', 'parse error : error parsing regexp: invalid character class range: `z-a`'],
  ['{a="b"} |= ', 'parse error at line 1, col 12: syntax error: unexpected $end, expecting STRING or ip'],
  ['{1a="b"}', 'parse error at line 1, col 2: syntax error: unexpected NUMBER, expecting IDENTIFIER or }'],
  ['{a="b"}\n  |= x', 'parse error at line 2, col 6: syntax error: unexpected IDENTIFIER, expecting STRING or ip'],
  ['{a="b"}\n| json\n| a >\n\n', 'parse error at line 5, col 1: syntax error: unexpected $end, expecting BYTES or NUMBER or DURATION'],
  ['{a="b"} |=\n', 'parse error at line 2, col 1: syntax error: unexpected $end, expecting STRING or ip'],
  ['', 'parse error : syntax error: unexpected $end'],
  ['{a="b"} |= "x" |', 'parse error at line 1, col 17: syntax error: unexpected $end'],
  ['{a="b\\q"}', 'parse error at line 1, col 4: invalid char escape'],
  ['{a="日本"} |= x', 'parse error at line 1, col 13: syntax error: unexpected IDENTIFIER, expecting STRING or ip'],
];

for (const [q, message] of invalid)
  test(`${JSON.stringify(q)} is refused with Loki's form of error`, (t) => {
    const err = t.throws(() => parseExpr(q));
    t.true(err instanceof ParseError);
    t.is((err as ParseError).status, 400);
    t.is(err!.message, message);
  });

test('match[] selectors parse alone and refuse anything after the braces', (t) => {
  t.deepEqual(parseMatchers('{job="db"}'), [{ name: 'job', op: '=', value: 'db' }]);
  t.throws(() => parseMatchers('{job="db"} |= "x"'), { instanceOf: ParseError });
  t.throws(() => parseMatchers('{job=~".*"}'), { message: /^parse error : queries require at least one/ });
});

test('a query longer than the bound is refused before parsing', (t) => {
  t.throws(() => parseExpr(`{a="${'x'.repeat(200_000)}"}`), { message: 'parse error : input size too long (200006 > 5120)' });
  t.throws(() => parseExpr(`{a="${'é'.repeat(2560)}"}`), { message: 'parse error : input size too long (5126 > 5120)' });
});

test('the longest and the most deeply nested queries allowed are answered at once', (t) => {
  const long = '{a="b"}' + ' |= "x"'.repeat(730);
  const t0 = performance.now();
  t.is(parseExpr(long).kind, 'log');
  t.throws(() => parseExpr(`${long} |`), { message: /^parse error at line 1, col 5120: syntax error: unexpected \$end/ });
  const deep = `${'('.repeat(2500)}1${')'.repeat(2500)}`;
  t.notThrows(() => parseExpr(deep));
  // not a timing assertion: a quadratic lexer took seconds here; this only shows it ends
  t.log(`${Math.round(performance.now() - t0)} ms`);
});
