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

const invalid: Array<[string, RegExp]> = [
  ['{a="b"', /^parse error at line 1, col 7: syntax error: unexpected \$end/],
  ['{a=""}', /queries require at least one regexp or equality matcher that does not have an empty-compatible value/],
  ['{a=~".*"}', /empty-compatible/],
  ['{a="b"} |~ "("', /^parse error at line 1, col 12: error parsing regexp: missing \)/],
  ['{a=~"[z-a]"}', /error parsing regexp/],
  ['{a="b"} |= ', /unexpected \$end, expecting STRING/],
  ['{1a="b"}', /syntax error/],
  ['{a="b"}\n  |= x', /^parse error at line 2, col 6: syntax error: unexpected IDENTIFIER x/],
  ['', /unexpected \$end/],
  ['{a="b"} |= "x" |', /syntax error/],
  ['{a="b\\q"}', /invalid string/],
];

for (const [q, message] of invalid)
  test(`${JSON.stringify(q)} is refused with Loki's form of error`, (t) => {
    const err = t.throws(() => parseExpr(q));
    t.true(err instanceof ParseError);
    t.is((err as ParseError).status, 400);
    t.regex(err!.message, message);
  });

test('match[] selectors parse alone and refuse anything after the braces', (t) => {
  t.deepEqual(parseMatchers('{job="db"}'), [{ name: 'job', op: '=', value: 'db' }]);
  t.throws(() => parseMatchers('{job="db"} |= "x"'), { instanceOf: ParseError });
});

test('a query longer than the bound is refused before parsing', (t) => {
  t.throws(() => parseExpr(`{a="${'x'.repeat(200_000)}"}`), { message: /query too long/ });
});
