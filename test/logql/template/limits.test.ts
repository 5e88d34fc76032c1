import test from 'ava';
import { compileTemplate, TemplateError, type RenderOptions } from '../../../logql/template/index.ts';
import { MAX_LINE_SIZE } from '../../../logql/template/limits.ts';
import { LABELS } from './render.ts';

// What a too long result says: a function's refusal names the call, the output's has no one node.
const refused = (call: string, fn: string, max = MAX_LINE_SIZE) =>
  `template: line:1:3: executing "line" at <${call}>: error calling ${fn}: result exceeds the line size limit of ${max} bytes`;
const outputTooLong = (max = MAX_LINE_SIZE) => `template: line: result exceeds the line size limit of ${max} bytes`;

function render(src: string, opts?: RenderOptions, labels = LABELS): string {
  return compileTemplate(src).render({ labels, line: 'the line', ts: 0n }, opts);
}

const bombs: Array<[string, string]> = [
  ['{{ repeat 10000000 "x" }}', refused('repeat 10000000 "x"', 'repeat')],
  ['{{ repeat 9223372036854775807 "ab" }}', refused('repeat 9223372036854775807 "ab"', 'repeat')],
  ['{{ printf "%9999999d" 5 }}', refused('printf "%9999999d" 5', 'printf')],
  ['{{ printf "%.9999999d" 5 }}', refused('printf "%.9999999d" 5', 'printf')],
  ['{{ printf "%-9999999s|" "a" }}', refused('printf "%-9999999s|" "a"', 'printf')],
  ['{{ indent 10000000 "a" }}', refused('indent 10000000 "a"', 'indent')],
  ['{{ nindent 10000000 "a" }}', refused('nindent 10000000 "a"', 'nindent')],
  ['{{ alignLeft 10000000 "a" }}', refused('alignLeft 10000000 "a"', 'alignLeft')],
  ['{{ replace "" (repeat 200000 "y") "abc" }}', refused('replace "" (repeat 200000 "y") "abc"', 'replace')],
];

test('functions that can build huge strings refuse before building them', (t) => {
  for (const [src, want] of bombs) {
    const err = t.throws(() => render(src), { instanceOf: TemplateError }, src);
    t.is(err!.message, want, src);
  }
});

test('functions that multiply their input by a count they are given are bounded', (t) => {
  const labels = { a: 'x'.repeat(1000), n: '\n'.repeat(2000) };
  const msg = (src: string) => t.throws(() => render(src, undefined, labels), { instanceOf: TemplateError }, src)!.message;
  t.regex(msg('{{ indent 200 .n }}'), /error calling indent: result exceeds/);
  t.regex(msg('{{ replace "x" (repeat 1000 "y") .a }}'), /error calling replace: result exceeds/);
  t.regex(msg('{{ Replace .a "x" (repeat 1000 "y") 500 }}'), /error calling Replace: result exceeds/);
  t.regex(msg('{{ regexReplaceAll "x" .a (repeat 1000 "y") }}'), /error calling regexReplaceAll: result exceeds/);
  t.regex(msg(`{{ regexReplaceAll "(x+)" .a "${'$1'.repeat(300)}" }}`), /error calling regexReplaceAll: result exceeds/);
  t.regex(msg(`{{ print ${'.a '.repeat(300)}}}`), /error calling print: result exceeds/);
  t.regex(msg(`{{ println ${'.a '.repeat(300)}}}`), /error calling println: result exceeds/);
  t.regex(msg(`{{ printf "${'%s'.repeat(300)}" ${'.a '.repeat(300)}}}`), /error calling printf: result exceeds/);
  t.regex(msg('{{ printf "%10000v" (fromJson "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27]") }}'), /error calling printf: result exceeds/);
  // each step only grows by a third, but thirty of them would build gigabytes
  t.regex(msg(`{{ .a${' | b64enc'.repeat(30)} }}`), /error calling b64enc: result exceeds/);
});

test('the output stops growing at the limit, however it is built', (t) => {
  const labels = { a: 'x'.repeat(100_000) };
  const many = `{{ range $i, $x := fromJson "[${Array(1000).fill(1).join(',')}]" }}{{ $.a }}{{ end }}`;
  t.throws(() => render(many, undefined, labels), { message: outputTooLong() });
  t.throws(() => render('{{ .a }}{{ .a }}{{ .a }}', undefined, labels), { message: outputTooLong() });
  // a template that is only text is held to the limit too
  t.throws(() => render('y'.repeat(11), { maxLineSize: 10 }), { message: outputTooLong(10) });
});

test('the limit counts bytes and is inclusive', (t) => {
  t.is(render(`{{ repeat ${MAX_LINE_SIZE} "x" }}`).length, MAX_LINE_SIZE);
  t.is(Buffer.byteLength(render(`{{ repeat ${MAX_LINE_SIZE / 2} "é" }}`)), MAX_LINE_SIZE);
  t.throws(() => render(`{{ repeat ${MAX_LINE_SIZE + 1} "x" }}`), { message: refused(`repeat ${MAX_LINE_SIZE + 1} "x"`, 'repeat') });
  // within the limit in characters, past it in UTF-8 bytes
  t.throws(() => render(`{{ repeat ${MAX_LINE_SIZE / 2 + 1} "é" }}`), { message: outputTooLong() });
});

test('maxLineSize sets the limit; absent or 0, it is max_line_size\'s default', (t) => {
  t.is(render('{{ repeat 10 "x" }}', { maxLineSize: 10 }), 'x'.repeat(10));
  t.throws(() => render('{{ repeat 11 "x" }}', { maxLineSize: 10 }), { message: refused('repeat 11 "x"', 'repeat', 10) });
  t.throws(() => render('{{ "12345" }}{{ "678901" }}', { maxLineSize: 10 }), { message: outputTooLong(10) });
  t.throws(() => render('{{ repeat 262145 "x" }}', { maxLineSize: 0 }), { message: refused('repeat 262145 "x"', 'repeat') });
  t.is(MAX_LINE_SIZE, 262_144);
});

test('ordinary templates render as without a limit', (t) => {
  const cases = [
    '{{ .app | upper }} {{ printf "%05d|%-6s|%.2f" 42 "ab" 3.14159 }} {{ __line__ }}',
    '{{ range $k, $v := fromJson .json }}{{ $k }}={{ $v }};{{ end }}',
    '{{ indent 2 "a\\nb" }}{{ nindent 1 "c" }}{{ repeat 3 "ab" }}{{ alignRight 6 "x" }}',
    '{{ regexReplaceAll "(o)" .msg "$1$1" }} {{ replace "l" "L" .msg }} {{ Replace .msg "o" "0" 1 }}',
    'plain text only',
  ];
  for (const src of cases) t.is(render(src, { maxLineSize: 1000 }), render(src), src);
  t.is(render(cases[0]), 'FOO 00042|ab    |3.14 the line');
});
