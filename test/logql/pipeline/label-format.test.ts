import test from 'ava';
import type { Labels } from '../../../model/labels.ts';
import { QueryError } from '../../../logql/errors.ts';
import { compilePipeline } from '../../../logql/pipeline/index.ts';
import { parseExpr } from '../../../logql/parser/index.ts';
import { runPipeline } from './run-pipeline.ts';

const stream: Labels = [['app', 'api'], ['pod', 'api-1']];

function run(pipeline: string, lines: string[]): string[] {
  return runPipeline(pipeline, lines, stream).map((o) => `${o.labels} | ${o.line}`);
}

// Expected outputs are Loki 2.8's.
const cases: Array<[string, string, string]> = [
  // renames apply one after another, each to the labels as they are by then
  ['| label_format app=pod, pod=app', 'x', 'pod=api-1 | x'],
  ['| logfmt | label_format a=level, b=level', 'level=info', 'a=info,app=api,pod=api-1 | level=info'],
  // renaming a label to itself removes it: Loki sets it, then deletes the old name
  ['| logfmt | label_format level=level', 'level=info', 'app=api,pod=api-1 | level=info'],
  ['| label_format x=nope', 'x', 'app=api,pod=api-1 | x'],
  // templates see the labels as they were at the first template, renames before it included
  ['| logfmt | label_format a=level, b="{{.level}}"', 'level=info', 'a=info,app=api,b=,pod=api-1 | level=info'],
  ['| logfmt | label_format b="{{.level}}", a=level', 'level=info', 'a=info,app=api,b=info,pod=api-1 | level=info'],
  ['| logfmt | label_format x="{{.level}}", level="{{.x}}-{{.level}}"', 'level=info', 'app=api,level=-info,pod=api-1,x=info | level=info'],
  // the error is no label to move
  ['| json | label_format x=__error__', 'oops', "__error__=JSONParserErr,__error_details__=Value looks like object, but can't find closing '}' symbol,app=api,pod=api-1 | oops"],
  // a failing template sets the error, replacing an earlier one, and leaves the label unset
  [
    '| json | label_format a="{{ div 1 0 }}", b="{{ .app }}"', 'oops',
    '__error__=TemplateFormatErr,__error_details__=template: label:1:3: executing "label" at <div 1 0>: error calling div: runtime error: integer divide by zero,app=api,b=api,pod=api-1 | oops',
  ],
  [
    '| line_format "{{ div 1 0 }}" | line_format "{{ .__error__ }}"', 'x',
    '__error__=TemplateFormatErr,__error_details__=template: line:1:3: executing "line" at <div 1 0>: error calling div: runtime error: integer divide by zero,app=api,pod=api-1 | TemplateFormatErr',
  ],
  // dropping the error of an entry its parser added nothing to leaves the stream's own labels
  ['| json | drop __error__', 'oops', 'app=api,pod=api-1 | oops'],
  ['| json | drop __error__', '{"a":1', "__error_details__=Value is array, but can't find closing ']' symbol,a=1,app=api,pod=api-1 | {\"a\":1"],
  ['| decolorize', '\x1b[31mred\x1b[0m \u009b1mcsi\x1b]0;title\x07', 'app=api,pod=api-1 | red csi'],
];

for (const [pipeline, line, want] of cases)
  test(`${pipeline} over ${JSON.stringify(line)}`, (t) => {
    t.deepEqual(run(pipeline, [line]), [want]);
  });

// Loki refuses these while parsing, naming the stage as it prints it back; they reach the client as 400s.
const refused: Array<[string, string]> = [
  ['| label_format a=b, a=c', "parse error : stage '| label_format a=b,a=c' : multiple label name 'a' not allowed in a single format operation"],
  ['| label_format a="{{.x}}", a=c', "parse error : stage '| label_format a=\"{{.x}}\",a=c' : multiple label name 'a' not allowed in a single format operation"],
  ['| label_format __error__=app', "parse error : stage '| label_format __error__=app' : __error__ cannot be formatted"],
  ['| label_format a="{{ .app", b=x', "parse error : stage '| label_format a=\"{{ .app\",b=x' : invalid template for label 'a': template: label:1: unclosed action"],
  ['| line_format "{{.a"', "parse error : stage '| line_format \"{{.a\"' : invalid line template: template: line:1: unclosed action"],
  ['| line_format "{{ nosuchfunc .a }}"', "parse error : stage '| line_format \"{{ nosuchfunc .a }}\"' : invalid line template: template: line:1: function \"nosuchfunc\" not defined"],
];

for (const [pipeline, msg] of refused)
  test(`${pipeline} is refused as Loki refuses it`, (t) => {
    const e = parseExpr(`{app="api"} ${pipeline}`);
    if (e.kind !== 'log') throw new Error('not a log query');
    const err = t.throws(() => compilePipeline(e.pipeline), { instanceOf: QueryError });
    t.is(err!.message, msg);
    t.is(err!.status, 400);
  });
