// The logfmt stage against answers taken from Loki v2.8.11 (its differential oracle), plus the
// Loki 3 flags --strict and --keep-empty.
import test from 'ava';
import type { Labels } from '../../../model/labels.ts';
import { runPipeline } from './run-pipeline.ts';

function labelsOf(pipeline: string, lines: string[], stream: Labels = [['app', 'api']]): string[] {
  return runPipeline(pipeline, lines, stream).map((o) => o.labels);
}

const err = (pos: number, msg: string) => `__error__=LogfmtParserErr,__error_details__=logfmt syntax error at pos ${pos} : ${msg}`;

const cases: Array<[string, string, string]> = [
  ['| logfmt', 'this is not logfmt', 'app=api,is=,logfmt=,not=,this='],
  ['| logfmt', 'this is not logfmt a="unterminated', `${err(35, 'unterminated quoted value')},app=api,is=,logfmt=,not=,this=`],
  ['| logfmt', '{"a":1}', `${err(2, `unexpected '"'`)},app=api`],
  ['| logfmt', 'a=1 b=x=y c=2', `${err(8, "unexpected '='")},a=1,app=api`],
  ['| logfmt', '=x a=1', `${err(1, "unexpected '='")},app=api`],
  ['| logfmt', 'x=1 a=b"c', `${err(8, `unexpected '"'`)},app=api,x=1`],
  ['| logfmt', 'a="x\\qy" b=2', `${err(9, 'invalid quoted value')},app=api`],
  ['| logfmt', 'a="x\\u00e9y" b="\\ud83d\\ude00" c="\\/\\\'"', "a=xéy,app=api,b=😀,c=/'"],
  // U+FFFD, from a lone surrogate or written out, empties a value
  ['| logfmt', 'a="\\ud800" b=\ufffd c=1', 'a=,app=api,b=,c=1'],
  ['| logfmt', 'a="" b= c', 'a=,app=api,b=,c='],
  // sanitized per code point; a leading digit gets `_`
  ['| logfmt', 'trace-id=7 1st=a ünï=1 🎉=3', '_=3,_1st=a,_n_=1,app=api,trace_id=7'],
  ['| logfmt', 'a=1 a=2 a', 'a=,app=api'],
  ['| logfmt', 'a=1\tb=2\u0001c=3', 'a=1,app=api,b=2,c=3'],
  ['| logfmt', 'app=x', 'app=api,app_extracted=x'],
  // with parameters every label is there, empty when the line lacks it
  ['| logfmt level, dur="duration"', 'duration=1s', 'app=api,dur=1s,level='],
  ['| logfmt level, dur="duration"', 'a="unterminated', `${err(16, 'unterminated quoted value')},app=api,dur=,level=`],
  // a key named like a label fills it too; a renamed key goes only to its label
  ['| logfmt a="b", b="c"', 'a=1 b=2 c=3', 'a=2,app=api,b=3'],
  ['| logfmt app', 'b=1', 'app=api'],
  ['| logfmt x="app"', 'app=y', 'app=api,x=y'],
  // Loki fills one label at random when two name the same key; Muninn the first
  ['| logfmt s1="status", s2="status"', 'status=200', 'app=api,s1=200,s2='],
  // Loki 3's flags: --strict stops at an error, without it the line is read on; --keep-empty keeps empty values
  ['| logfmt --strict', 'a=1 b c="x', `${err(11, 'unterminated quoted value')},a=1,app=api`],
  ['| logfmt --keep-empty', 'a=1 b x"y c=', 'a=1,app=api,b=,c='],
  ['| logfmt --strict --keep-empty', 'a=1 b c=2', 'a=1,app=api,b=,c=2'],
  // a parser still runs after another failed; the last error wins
  ['| json | logfmt', 'not json a=1', "__error__=JSONParserErr,__error_details__=Value looks like object, but can't find closing '}' symbol,a=1,app=api,json=,not="],
  ['| logfmt | json', 'a="1', "__error__=JSONParserErr,__error_details__=Value looks like object, but can't find closing '}' symbol,app=api"],
];

for (const [pipeline, line, want] of cases)
  test(`${pipeline} over ${JSON.stringify(line)}`, (t) => {
    t.deepEqual(labelsOf(pipeline, [line]), [want]);
  });
