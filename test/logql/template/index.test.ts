import test from 'ava';
import { TemplateError, compileTemplate } from '../../../logql/template/index.ts';
import { LABELS, render, type Case } from './render.ts';

const language: [string, Case[]][] = [
  ['text and fields', [
    ['plain text', 'plain text'],
    ['{{.app}}', 'foo'],
    ['{{ .app }}-{{.n}}', 'foo-42'],
    ['[{{ .missing }}]', '[]'],
    ['{{ .uni }}', 'héllo wörld'],
    ['日本 {{ .app }} ✓', '日本 foo ✓'],
    ['{{/* a comment */}}x', 'x'],
    ['a {{- /* trimmed comment */ -}} b', 'ab'],
    ['line\n{{.app}}\n', 'line\nfoo\n'],
  ]],
  ['trim markers', [
    ['a   {{- .app }}', 'afoo'],
    ['{{ .app -}}   \n\t b', 'foob'],
    ['x \n {{- .app -}} \n y', 'xfooy'],
    ['{{- 3 }}', '3'],
    ['{{-3}}', '-3'],
  ]],
  ['constants', [
    ['{{ "quoted\\tstring\\u00e9" }}', 'quoted\tstringé'],
    ['{{ `raw\\n` }}', 'raw\\n'],
    ['{{ 42 }}', '42'],
    ['{{ 1.5 }}', '1.5'],
    ['{{ 1e3 }}', '1000'],
    ['{{ 0x1F }}', '31'],
    ['{{ \'a\' }}', '97'],
    ['{{ true }} {{ false }}', 'true false'],
    ['{{ "\\x41\\101" }}', 'AA'],
  ]],
  ['pipelines', [
    ['{{ .app | upper }}', 'FOO'],
    ['{{ .msg | lower | trunc 3 }}', 'hel'],
    ['{{ .app | printf "%s-%s" "x" }}', 'x-foo'],
    ['{{ (printf "%s!" .app) | upper }}', 'FOO!'],
    ['{{ upper (lower .msg) }}', 'HELLO WORLD'],
    ['{{ .path | replace "/" "_" | trunc 5 | upper }}', '_API_'],
    ['{{ (fromJson .json).c.d }}', 'x'],
  ]],
  ['variables', [
    ['{{ $x := .app }}{{ $x }}', 'foo'],
    ['{{ $x := 1 }}{{ $x = 2 }}{{ $x }}', '2'],
    ['{{ $.app }}', 'foo'],
    ['{{ with .app }}{{ $.n }}{{ end }}', '42'],
    ['{{ $x := "out" }}{{ if true }}{{ $x := "in" }}{{ $x }}{{ end }} {{ $x }}', 'in out'],
    ['{{ $x := "out" }}{{ if true }}{{ $x = "in" }}{{ end }}{{ $x }}', 'in'],
    ['{{ $j := fromJson .json }}{{ $j.a }}', '1'],
    ['{{ if $x := .empty }}yes{{ else }}[{{ $x }}]{{ end }}', '[]'],
    ['{{ if $x := .missing }}{{ else if $y := .app }}{{ $x }}{{ $y }}{{ end }}', 'foo'],
  ]],
  ['if, else if and else', [
    ['{{ if .app }}yes{{ end }}', 'yes'],
    ['{{ if .empty }}yes{{ else }}no{{ end }}', 'no'],
    ['{{ if .missing }}yes{{ else }}no{{ end }}', 'no'],
    ['{{ if eq .app "bar" }}bar{{ else if eq .app "foo" }}foo!{{ else }}other{{ end }}', 'foo!'],
    ['{{ if 0 }}a{{ else }}b{{ end }}', 'b'],
    ['{{ if 0.0 }}a{{ else }}b{{ end }}', 'b'],
    ['{{ if (fromJson "[]") }}a{{ else }}b{{ end }}', 'b'],
    ['{{ if __timestamp__ }}t{{ end }}', 't'],
    ['{{ if and .app .n }}both{{ end }}', 'both'],
    ['{{ if or .empty .missing }}x{{ else }}neither{{ end }}', 'neither'],
    ['{{ if not .empty }}empty{{ end }}', 'empty'],
  ]],
  ['with', [
    ['{{ with .app }}[{{ . }}]{{ end }}', '[foo]'],
    ['{{ with .empty }}[{{ . }}]{{ else }}none{{ end }}', 'none'],
    ['{{ with $x := .n }}{{ $x }}{{ end }}', '42'],
  ]],
  ['range', [
    ['{{ range $q := fromJson .queries }}[{{ $q.query }}]{{ end }}', '[up][rate(x[5m])]'],
    ['{{ range $i, $e := (fromJson .json).b }}{{ $i }}:{{ $e }} {{ end }}', '0:1 1:2 '],
    ['{{ range $k, $v := fromJson .json }}{{ $k }} {{ end }}', 'a b c n '],
    ['{{ range fromJson "[]" }}x{{ else }}empty{{ end }}', 'empty'],
    ['{{ range (fromJson .json).b }}{{ . }}{{ end }}', '12'],
    ['{{ range $i, $e := fromJson "[1,2,3,4]" }}{{ if eq $i 2 }}{{ break }}{{ end }}{{ $e }}{{ end }}', '12'],
    ['{{ range $i, $e := fromJson "[1,2,3]" }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ $e }}{{ end }}', '13'],
    ['{{ range $k, $v := . }}{{ if eq $k "app" "n" }}{{ $k }}={{ $v }};{{ end }}{{ end }}', 'app=foo;n=42;'],
  ]],
  ['comparisons and logic', [
    ['{{ eq .app "foo" }}', 'true'],
    ['{{ eq .app "x" "y" "foo" }}', 'true'],
    ['{{ ne .app "foo" }}', 'false'],
    ['{{ lt 1 2 }} {{ le 2 2 }} {{ gt 1 2 }} {{ ge 3 2 }}', 'true true false true'],
    ['{{ lt "a" "b" }}', 'true'],
    ['{{ lt 1.5 2.5 }}', 'true'],
    ['{{ eq (add 1 2) 3 }}', 'true'],
    ['{{ and 1 0 2 }}', '0'],
    ['{{ or 0 "" "x" }}', 'x'],
    ['{{ and .app "last" }}', 'last'],
    ['{{ not 0 }}', 'true'],
  ]],
  ['len, index, slice and printing', [
    ['{{ len .app }}', '3'],
    ['{{ len .uni }}', '13'],
    ['{{ len (fromJson .json) }}', '4'],
    ['{{ index . "app" }}', 'foo'],
    ['{{ index (fromJson .json) "b" 1 }}', '2'],
    ['{{ index "abc" 1 }}', '98'],
    ['{{ slice .msg 0 5 }}', 'Hello'],
    ['{{ print "a" 1 2 "b" }}', 'a1 2b'],
    ['{{ println "a" 1 }}', 'a 1\n'],
    ['{{ (fromJson .json).n }}', '<no value>'],
    ['{{ (fromJson .json).zz }}', '<no value>'],
    ['{{ print (fromJson .json).n }}', '<nil>'],
    ['{{ fromJson .json }}', 'map[a:1 b:[1 2] c:map[d:x] n:<nil>]'],
    ['{{ html "<a href=\'x\'>&</a>" }}', '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;'],
    ['{{ js "it\'s <b>" }}', 'it\\\'s \\u003Cb\\u003E'],
    ['{{ urlquery "a b&c" }}', 'a+b%26c'],
    ['{{ js "a\\nb=c" }}', 'a\\u000Ab\\u003Dc'],
    ['{{ js "é\\u2028\\u00a0" }}', 'é\\u2028\\u00A0'],
    ['{{ html nil }}', '&lt;no value&gt;'],
    ['{{ int 1e19 }}|{{ int "9223372036854775808" }}', '-9223372036854775808|0'],
    ['{{ title "ǆa" }}', 'ǅa'],
  ]],
];

for (const [family, cases] of language) {
  test(`the template language handles ${family}`, (t) => {
    for (const [src, want] of cases) t.is(render(src), want, src);
  });
}

const parseErrors: [string, string][] = [
  ['{{ .app', 'unclosed action'],
  ['{{ nosuch .app }}', 'function "nosuch" not defined'],
  ['{{ if .app }}x', 'unexpected EOF'],
  ['{{ end }}', 'unexpected {{end}}'],
  ['{{ }}', 'missing value for command'],
  ['{{ $x }}', 'undefined variable "$x"'],
  ['{{ .app | "x" }}', 'non executable command in pipeline stage 2'],
  ['{{ "unterminated }}', 'unterminated quoted string'],
  ['{{ (upper .app }}', 'unclosed left paren'],
  ['{{ break }}', '{{break}} outside {{range}}'],
  ['{{/* open comment }}', 'unclosed comment'],
  // Go 1.21, which Loki 2.8 is built with, has no {{else with}}
  ['{{ with .empty }}a{{ else with .app }}{{ . }}{{ end }}', 'unexpected <with> in else'],
  ['{{ 18446744073709551616 }}', 'integer overflow: "18446744073709551616"'],
  ['{{ 3x }}', 'bad number syntax'],
  ['{{ define "x" }}{{ end }}', 'not supported'],
  ['{{ noSuchFunction 5 .app }}', 'function "noSuchFunction" not defined'],
];

test('parse errors are thrown by compileTemplate as TemplateError', (t) => {
  for (const [src, msg] of parseErrors) {
    const err = t.throws(() => compileTemplate(src), { instanceOf: TemplateError }, src);
    t.true(err!.message.includes(msg), `${src}: ${err!.message}`);
  }
});

const execErrors: [string, string][] = [
  ['{{ trunc "3" .app }}', 'expected integer; found "3"'],
  ['{{ trunc 1.5 .app }}', 'expected integer; found 1.5'],
  ['{{ trunc (add 1 2) .app }}', 'wrong type for value; expected int; got int64'],
  ['{{ upper 3 }}', 'expected string; found 3'],
  ['{{ upper (fromJson "[1]") }}', 'wrong type for value; expected string; got []interface {}'],
  ['{{ div 1 0 }}', 'error calling div: runtime error: integer divide by zero'],
  ['{{ lt 1 "a" }}', 'incompatible types for comparison'],
  ['{{ eq 1 1.0 }}', 'incompatible types for comparison'],
  ['{{ eq .n 42 }}', 'incompatible types for comparison'],
  ['{{ lt true false }}', 'invalid type for comparison'],
  ['{{ .app.x }}', "can't evaluate field x in type string"],
  ['{{ upper }}', 'wrong number of args for upper: want 1 got 0'],
  ['{{ regexReplaceAll "(" .app "x" }}', 'error calling regexReplaceAll: error parsing regexp'],
  ['{{ range .app }}{{ end }}', "range can't iterate over foo"],
  ['{{ .app "arg" }}', 'app is not a method but has arguments'],
  ['{{ nil }}', 'nil is not a command'],
  ['{{ 9223372036854775808 }}', '9223372036854775808 overflows int'],
  ['{{ $x := .app }}{{ $x "arg" }}', "can't give argument to non-function $x"],
  // Loki 2.8 is built with Go 1.21, whose range does not count up to an int.
  ['{{ range 3 }}{{ end }}', "range can't iterate over 3"],
  ['{{ index (fromJson "[1]") 5 }}', 'index out of range: 5'],
  ['{{ eq (fromJson "[1]") (fromJson "[1]") }}', 'error calling eq: non-comparable type [%!s(float64=1)]: []interface {}'],
  ['{{ len nil }}', 'error calling len: reflect: call of reflect.Value.Type on zero Value'],
  ['{{ count "\\\\C" "x" }}', 'error parsing regexp: invalid escape sequence: `\\C`'],
  ['{{ unixEpoch "x" }}', 'can\'t handle "x" for arg of type time.Time'],
  ['{{ unixEpoch .app }}', 'wrong type for value; expected time.Time; got string'],
];

test('execution errors are thrown by render as TemplateError', (t) => {
  for (const [src, msg] of execErrors) {
    const tpl = compileTemplate(src);
    const err = t.throws(() => tpl.render({ labels: LABELS, line: '', ts: 0n }), { instanceOf: TemplateError }, src);
    t.true(err!.message.includes(msg), `${src}: ${err!.message}`);
  }
});

test('a compiled template renders many lines without re-parsing', (t) => {
  const tpl = compileTemplate('{{ .level | upper }} {{ __line__ }}');
  const out = [];
  for (let i = 0; i < 1000; i++) out.push(tpl.render({ labels: { level: i % 2 ? 'warn' : 'info' }, line: `l${i}`, ts: BigInt(i) }));
  t.is(out[0], 'INFO l0');
  t.is(out[999], 'WARN l999');
});

test('the dot prints as a Go map with sorted keys', (t) => {
  t.is(render('{{ . }}', { b: '2', a: 'x y' }), 'map[a:x y b:2]');
});

test('a missing label renders as the empty string, not <no value>', (t) => {
  t.is(render('[{{ .nope }}][{{ .nope | upper }}][{{ len .nope }}]', {}), '[][][0]');
});

test('__line__ and __timestamp__ read the line being rendered', (t) => {
  t.is(render('{{ __line__ | upper }}', {}, 'abc', 0n), 'ABC');
  t.is(render('{{ __timestamp__ }}', {}, '', 1700000000000000000n), '2023-11-14 22:13:20 +0000 UTC');
});

// Examples from Loki's template_functions documentation, with the labels they assume.
const docs: [string, Record<string, string>, string][] = [
  ['{{ .path | replace " " "_" | trunc 5 | upper }}', { path: 'a b c d e f' }, 'A_B_C'],
  ['{{ if and (contains "he" "hello") (contains "llo" "hello") }} yes {{end}}', {}, ' yes '],
  ['{{ if or (contains "he" "hello") (contains "llo" "hello") }} yes {{end}}', {}, ' yes '],
  ['{{ if contains "ErrTimeout" .err }} timeout {{else if contains "he" "hello"}} yes {{else}} no {{end}}', { err: 'x' }, ' yes '],
  ['{{ if contains "ErrTimeout" .err }} timeout {{end}}', { err: 'got ErrTimeout' }, ' timeout '],
  ['{{ if eq "hello" "hello" }} yes {{end}}', {}, ' yes '],
  ['{{ if hasPrefix "he" "hello" }} yes {{end}}', {}, ' yes '],
  ['{{ __line__ | lower }}', {}, 'the line'],
  ['{{ __timestamp__ | unixEpoch }}', {}, '1700000000'],
  ['{{ .foo | duration }}', { foo: '1m' }, '60'],
  ['{{ .foo | toDate "2006-01-02T15:04:05.999999999Z" }}', { foo: '2021-11-02T10:00:00.123Z' }, '2021-11-02 10:00:00.123 +0000 UTC'],
  ['{{ .foo | toDateInZone "2006-01-02T15:04:05.999999999Z" "UTC" | unixEpochMillis }}', { foo: '2021-11-02T10:00:00.123Z' }, '1635847200123'],
  ['{{ .foo | toDateInZone "2006-01-02T15:04:05.999999999Z" "UTC" | unixEpochNanos }}', { foo: '2021-11-02T10:00:00.123Z' }, '1635847200123000000'],
  ['{{unixEpoch (toDate "2006-01-02" .createDate)}}', { createDate: '2021-11-02' }, '1635811200'],
  ['{{sub .nowEpoch .createDateEpoch}}', { nowEpoch: '1635897600', createDateEpoch: '1635811200' }, '86400'],
  ['{{ .foo | b64enc }}', { foo: 'hello' }, 'aGVsbG8='],
  ['{{ .foo | bytes }}', { foo: '1 KB' }, '1000'],
  ['{{.http_request_headers_x_forwarded_for | default "-"}}', {}, '-'],
  ['{{fromJson "{\\"foo\\": 55}"}}', {}, 'map[foo:55]'],
  ['{{ range $q := fromJson .queries }} {{ $q.query }} {{ end }}', { queries: '[{"query":"up"}]' }, ' up '],
  ['{{ .request_method | lower }}', { request_method: 'GET' }, 'get'],
  ['{{ indent 4 .query }}', { query: 'a\nb' }, '    a\n    b'],
  ['{{ printf "The IP address was %s" .remote_addr }}', { remote_addr: '129.168.1.1' }, 'The IP address was 129.168.1.1'],
  ['{{ printf "%-40.40s" .request_uri}} {{printf "%-5.5s" .request_method}}', { request_uri: '/x', request_method: 'DELETE' }, '/x' + ' '.repeat(38) + ' DELET'],
  ['"|" {{printf "%15.15s" .ClientHost}} "|"', { ClientHost: 'host' }, '"|"            host "|"'],
  ['{{ .cluster | replace "-cluster" "" }}', { cluster: 'eu-cluster' }, 'eu'],
  ['{{ replace "hello" "world" "hello world" }}', {}, 'world world'],
  ['{{ .path | substr 2 5 }}', { path: '/api/v1' }, 'pi/'],
  ['{{.request_method | title}}', { request_method: 'get' }, 'Get'],
  ['{{ .path | trunc 2 }}', { path: '/api' }, '/a'],
  ['{{ .request_url | urlencode }}', { request_url: '/a?b=c d' }, '%2Fa%3Fb%3Dc+d'],
  ['{{ .request_url | urldecode }}', { request_url: '%2Fa%3Fb%3Dc+d' }, '/a?b=c d'],
  ['{{ regexReplaceAll "(a*)bc" .some_label "${1}a" }}', { some_label: 'aaabc' }, 'aaaa'],
  ['{{ regexReplaceAllLiteral "(ts=)" .timestamp "timestamp=" }}', { timestamp: 'ts=1' }, 'timestamp=1'],
];

test('the examples from Loki\'s template functions page render as documented', (t) => {
  for (const [src, labels, want] of docs) t.is(render(src, labels), want, src);
});
