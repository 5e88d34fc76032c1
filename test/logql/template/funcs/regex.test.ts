import test from 'ava';
import { render, type Case } from '../render.ts';

const rows: Case[] = [
  ['{{ count "a|b" "abab" }}', '4'],
  ['{{ count "o" "foo" }}', '2'],
  ['{{ count "a*" "baaac" }}', '3'],
  ['{{ __line__ | count "XYZ" }}', '0'],
  ['{{ regexReplaceAll "(a*)bc" "aabc" "${1}a" }}', 'aaa'],
  ['{{ regexReplaceAll "(\\\\w+) (\\\\w+)" .msg "$2 $1" }}', 'World Hello'],
  ['{{ regexReplaceAll "(?P<first>\\\\w+) \\\\w+" .msg "${first}!" }}', 'Hello!'],
  ['{{ regexReplaceAll "(l+)" .msg "$1x" }}', 'Heo Word'],
  ['{{ regexReplaceAll "o" .msg "$$" }}', 'Hell$ W$rld'],
  ['{{ regexReplaceAll "x*" "abc" "-" }}', '-a-b-c-'],
  ['{{ regexReplaceAll "ö" .uni "o" }}', 'héllo world'],
  ['{{ regexReplaceAllLiteral "(ts=)" "ts=1" "$1x" }}', '$1x1'],
  ['{{ regexReplaceAllLiteral "(ts=)" "ts=1" "timestamp=" }}', 'timestamp=1'],
];

test('regex functions use RE2 with Go\'s matching and expansion rules', (t) => {
  for (const [src, want] of rows) t.is(render(src), want, src);
});

test('an invalid pattern is an execution error naming the function', (t) => {
  t.throws(() => render('{{ count "[" "x" }}'), { message: /error calling count: error parsing regexp: missing closing \]: `\[`$/ });
  t.throws(() => render('{{ regexReplaceAll "(" "x" "y" }}'), { message: /error parsing regexp: missing closing \): `\(`$/ });
  // Go 1.21's syntax, which Loki 2.8 is built with: only (?P<name>...) names a group
  t.throws(() => render('{{ regexReplaceAll "(?<n>a)" "a" "b" }}'), { message: /error parsing regexp: invalid or unsupported Perl syntax: `\(\?<`$/ });
  t.is(render('{{ regexReplaceAll "[(?<]" "(?<" "x" }}'), 'xxx');
});
