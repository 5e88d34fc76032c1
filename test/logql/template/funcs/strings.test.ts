import test from 'ava';
import { render, type Case } from '../render.ts';

const cases: [string, Case[]][] = [
  ['Loki\'s Go strings functions', [
    ['{{ ToLower "ABC" }}', 'abc'],
    ['{{ ToUpper "abc" }}', 'ABC'],
    ['{{ Replace "aaa" "a" "b" 2 }}', 'bba'],
    ['{{ Replace "aaa" "a" "b" -1 }}', 'bbb'],
    ['{{ Trim "xxhixx" "x" }}', 'hi'],
    ['{{ TrimLeft "xxhixx" "x" }}', 'hixx'],
    ['{{ TrimRight "xxhixx" "x" }}', 'xxhi'],
    ['{{ TrimPrefix "prefix-x" "prefix-" }}', 'x'],
    ['{{ TrimSuffix "x.log" ".log" }}', 'x'],
    ['{{ TrimSpace "  x \\n" }}', 'x'],
  ]],
  ['case functions', [
    ['{{ lower "HeLLo" }}', 'hello'],
    ['{{ upper "straße" }}', 'STRAßE'],
    ['{{ title "hello wide-world_x" }}', 'Hello Wide-World_x'],
    ['{{ upper .uni }}', 'HÉLLO WÖRLD'],
    ['{{ lower "ΣΑΣ" }}', 'σασ'],
    ['{{ lower "İ" }}', 'i'],
  ]],
  ['cutting functions', [
    ['{{ trunc 5 "hello world" }}', 'hello'],
    ['{{ trunc -5 "hello world" }}', 'world'],
    ['{{ trunc 50 "hi" }}', 'hi'],
    ['{{ trunc 2 "héllo" }}', 'h\ufffd'],
    // Loki 2.9's alignLeft/alignRight, kept on top of 2.8: they count characters
    ['{{ alignLeft 5 "hello world" }}', 'hello'],
    ['{{ alignLeft 5 "hé" }}', 'hé   '],
    ['{{ alignRight 5 "hello world" }}', 'world'],
    ['{{ alignRight 5 "hi" }}', '   hi'],
    ['{{ trunc -3 "ünï ✓" }}', '✓'],
    ['{{ substr 1 4 "ünï" }}', '\ufffdn\ufffd'],
    ['{{ substr 0 5 "hello world" }}', 'hello'],
    ['{{ substr 6 11 "hello world" }}', 'world'],
    ['{{ substr 6 -1 "hello world" }}', 'world'],
    ['{{ substr -1 5 "hello world" }}', 'hello'],
  ]],
  ['searching functions', [
    ['{{ contains "llo" "hello" }}', 'true'],
    ['{{ contains "xyz" "hello" }}', 'false'],
    ['{{ hasPrefix "he" "hello" }}', 'true'],
    ['{{ hasSuffix "lo" "hello" }}', 'true'],
    ['{{ hasSuffix "he" "hello" }}', 'false'],
  ]],
  ['building functions', [
    ['{{ indent 2 "a\\nb" }}', '  a\n  b'],
    ['{{ nindent 2 "a\\nb" }}', '\n  a\n  b'],
    ['{{ replace "-cluster" "" "prod-cluster" }}', 'prod'],
    ['{{ replace "" "-" "ab" }}', '-a-b-'],
    ['{{ repeat 3 "ab" }}', 'ababab'],
    ['{{ "x" | repeat 2 }}', 'xx'],
  ]],
  ['trimming functions', [
    ['{{ trim "   hello    " }}', 'hello'],
    ['{{ trimAll "$" "$5.00$" }}', '5.00'],
    ['{{ trimAll "/" .path }}', 'api/v1/query'],
    ['{{ trimPrefix "-" "-hello" }}', 'hello'],
    ['{{ trimSuffix "-" "hello-" }}', 'hello'],
    ['{{ .ip | trim }}', '10.0.0.1'],
  ]],
  ['default', [
    ['{{ default "-" "" }}', '-'],
    ['{{ default "-" "foo" }}', 'foo'],
    ['{{ .missing | default "none" }}', 'none'],
    ['{{ 0 | default 7 }}', '7'],
    ['{{ default "d" }}', 'd'],
  ]],
];

for (const [family, rows] of cases) {
  test(`${family} behave as in Loki`, (t) => {
    for (const [src, want] of rows) t.is(render(src), want, src);
  });
}

test('a negative repeat count is an execution error', (t) => {
  t.throws(() => render('{{ repeat -1 "x" }}'), { message: /negative Repeat count/ });
  t.throws(() => render('{{ indent -1 "x" }}'), { message: /error calling indent: strings: negative Repeat count/ });
});

test('substr past the end of the string is an execution error, as Go panics there', (t) => {
  t.throws(() => render('{{ substr 20 30 "short" }}'), { message: /error calling substr: runtime error: slice bounds out of range \[20:5\]$/ });
  t.throws(() => render('{{ substr -1 9 "short" }}'), { message: /slice bounds out of range \[:9\] with length 5$/ });
  t.throws(() => render('{{ substr -1 -1 "short" }}'), { message: /slice bounds out of range \[:-1\]$/ });
  t.throws(() => render('{{ substr 3 2 "short" }}'), { message: /slice bounds out of range \[3:2\]$/ });
});
