import test from 'ava';
import { compileTemplate, TemplateError } from '../../../logql/template/index.ts';
import { LABELS, render } from './render.ts';

// Execution errors as Go words them: where the failing node starts (line, byte column from 0),
// the template's name, and the node printed back. Expected texts are Loki 2.8's.
const execErrors: [string, string][] = [
  ['{{ div .n 0 }}', 'template: line:1:3: executing "line" at <div .n 0>: error calling div: runtime error: integer divide by zero'],
  ['{{ .empty | bytes }}', 'template: line:1:12: executing "line" at <bytes>: error calling bytes: strconv.ParseFloat: parsing "": invalid syntax'],
  ['{{ "a%20b%zz" | urldecode }}', 'template: line:1:16: executing "line" at <urldecode>: error calling urldecode: invalid URL escape "%zz"'],
  ['{{ substr 1 4 .empty }}', 'template: line:1:3: executing "line" at <substr 1 4 .empty>: error calling substr: runtime error: slice bounds out of range [1:0]'],
  ['{{ $o := fromJson "[1,2,3]" }}{{ $o.level }}', 'template: line:1:35: executing "line" at <$o.level>: can\'t evaluate field level in type []interface {}'],
  // the column counts bytes, and restarts after a newline
  ['é\n  {{ div 1 0 }}', 'template: line:2:5: executing "line" at <div 1 0>: error calling div: runtime error: integer divide by zero'],
  ['ééé {{ div 1 0 }}', 'template: line:1:10: executing "line" at <div 1 0>: error calling div: runtime error: integer divide by zero'],
  // a function given as an argument fails at its own name; a long node is printed whole
  ['{{ upper (div 1 0) }}', 'template: line:1:10: executing "line" at <div 1 0>: error calling div: runtime error: integer divide by zero'],
  ['{{ regexReplaceAll "(" .msg "abcdefghij" }}', 'template: line:1:3: executing "line" at <regexReplaceAll "(" .msg "abcdefghij">: error calling regexReplaceAll: error parsing regexp: missing closing ): `(`'],
  // type errors point at the argument
  ['{{ trunc "3" .msg }}', 'template: line:1:9: executing "line" at <"3">: expected integer; found "3"'],
  ['{{ upper 3 }}', 'template: line:1:9: executing "line" at <3>: expected string; found 3'],
  ['{{ min }}', 'template: line:1:3: executing "line" at <min>: wrong number of args for min: want at least 1 got 0'],
  ['{{ .app 1 }}', 'template: line:1:3: executing "line" at <.app>: app is not a method but has arguments'],
  ['{{ __timestamp__.Foo }}', 'template: line:1:3: executing "line" at <__timestamp__>: can\'t evaluate field Foo in type time.Time'],
  ['{{ call .app }}', 'template: line:1:3: executing "line" at <call .app>: error calling call: non-function of type string'],
  ['{{ eq .n 200 }}', 'template: line:1:3: executing "line" at <eq .n 200>: error calling eq: incompatible types for comparison'],
];

test('execution errors say where, in what and why, as Go does', (t) => {
  for (const [src, want] of execErrors) {
    const err = t.throws(() => render(src), { instanceOf: TemplateError }, src);
    t.is(err!.message, want, src);
  }
});

test('errors name the template: "label" for label_format', (t) => {
  const tpl = compileTemplate('{{ div 1 0 }}', 'label');
  t.throws(() => tpl.render({ labels: LABELS, line: '', ts: 0n }), {
    message: 'template: label:1:3: executing "label" at <div 1 0>: error calling div: runtime error: integer divide by zero',
  });
  t.throws(() => compileTemplate('{{', 'label'), { message: 'template: label:1: unclosed action' });
  t.throws(() => compileTemplate('a\n{{ .a', 'line'), { message: 'template: line:2: unclosed action' });
});

// fromJson's nil: a pipeline makes it "no value"; a field of it, or giving it to a typed parameter, fails.
test('a nil from fromJson is no value, until something needs a value', (t) => {
  t.is(render('{{ $o := fromJson "not json" }}{{ $o.level }}'), '<no value>');
  t.is(render('{{ (fromJson "{}").level }}'), '<no value>');
  t.is(render('{{ with fromJson "x" }}yes{{ else }}no{{ end }}'), 'no');
  t.throws(() => render('{{ $o := fromJson "{}" }}{{ $o.user.name }}'), {
    message: 'template: line:1:30: executing "line" at <$o.user.name>: nil pointer evaluating interface {}.name',
  });
  // Go checks the argument's type once it is evaluated, still pointing at the last node it evaluated
  t.throws(() => render('{{ trunc 3 (fromJson "{}").level }}'), {
    message: 'template: line:1:21: executing "line" at <"{}">: wrong type for value; expected string; got interface {}',
  });
  t.throws(() => render('{{ trunc 3 (fromJson "x") }}'), {
    message: 'template: line:1:21: executing "line" at <"x">: invalid value; expected string',
  });
});

test('index and slice cut strings by bytes, with Go\'s bounds', (t) => {
  t.is(render('{{ slice "ünï" 1 4 }}'), '\ufffdn\ufffd');
  t.is(render('{{ index "abc" 2 }}'), '99');
  t.throws(() => render('{{ index "abc" 3 }}'), { message: /error calling index: reflect: string index out of range$/ });
  t.throws(() => render('{{ index "abc" 4 }}'), { message: /error calling index: index out of range: 4$/ });
  t.throws(() => render('{{ slice "" 1 4 }}'), { message: /error calling slice: index out of range: 1$/ });
  t.throws(() => render('{{ slice "abc" 2 1 }}'), { message: /error calling slice: invalid slice index: 2 > 1$/ });
});
