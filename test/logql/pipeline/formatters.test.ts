import test from 'ava';
import { batchOf } from '../../../model/batch.ts';
import type { Labels } from '../../../model/labels.ts';
import { QueryTimeoutError } from '../../../logql/errors.ts';
import { compilePipeline, type PipelineOptions } from '../../../logql/pipeline/index.ts';
import { parseExpr } from '../../../logql/parser/index.ts';

interface Out {
  labels: Record<string, string>;
  line: string;
}

function run(pipeline: string, lines: string[], opts?: PipelineOptions, stream: Labels = [['app', 'api']]): Out[] {
  const e = parseExpr(`{app="api"} ${pipeline}`);
  if (e.kind !== 'log') throw new Error('not a log query');
  const out: Out[] = [];
  const batch = batchOf(stream, lines.map((l, i) => [BigInt(i + 1) * 1_000_000_000n, l] as const));
  compilePipeline(e.pipeline, undefined, opts).run(batch, (_, line, labels) => out.push({ labels: Object.fromEntries(labels), line: line.toString() }));
  return out;
}

const exceeds = (max = 262_144) => `result exceeds the line size limit of ${max} bytes`;

test('line_format of a repeat bomb marks the entry and keeps its line', (t) => {
  const out = run('| line_format `{{ repeat 10000000 "x" }}`', ['a', 'b']);
  t.is(out.length, 2);
  for (const [i, o] of out.entries()) {
    t.is(o.labels.__error__, 'TemplateFormatErr');
    t.is(o.labels.__error_details__, `template: line:1:3: executing "line" at <repeat 10000000 "x">: error calling repeat: ${exceeds()}`);
    t.is(o.line, ['a', 'b'][i]);
  }
});

test('line_format of a printf width bomb marks the entry', (t) => {
  const [o] = run('| line_format `{{ printf "%9999999d" 5 }}`', ['a']);
  t.is(o.labels.__error__, 'TemplateFormatErr');
  t.is(o.labels.__error_details__, `template: line:1:3: executing "line" at <printf "%9999999d" 5>: error calling printf: ${exceeds()}`);
  t.is(o.line, 'a');
});

test('a chain of label_format doublings stops at the limit and marks the entry', (t) => {
  const chain = Array(20).fill('| label_format a="{{.a}}{{.a}}"').join(' ');
  const [o] = run(chain, ['line'], undefined, [['a', 'xy'], ['app', 'api']]);
  t.is(o.labels.__error__, 'TemplateFormatErr');
  t.is(o.labels.__error_details__, `template: label: ${exceeds()}`);
  // the last doubling within the limit is kept: 2 bytes doubled 17 times
  t.is(o.labels.a, 'xy'.repeat(1 << 17));
  t.is(o.line, 'line');
});

test('maxLineSize bounds line_format and label_format results in bytes', (t) => {
  const opts = { maxLineSize: 8 };
  t.deepEqual(run('| line_format "{{ .app }}-{{ .app }}"', ['l'], opts), [{ labels: { app: 'api' }, line: 'api-api' }]);
  const [line] = run('| line_format "{{ .app }}-{{ .app }}--"', ['l'], opts);
  t.is(line.labels.__error_details__, `template: line: ${exceeds(8)}`);
  const [label] = run('| label_format a="{{ repeat 5 \\"é\\" }}"', ['l'], opts);
  t.is(label.labels.__error_details__, `template: label: ${exceeds(8)}`);
  t.false('a' in label.labels);
});

test('ordinary line_format and label_format render as before', (t) => {
  const out = run('| logfmt | line_format "{{ .level | upper }} {{ printf \\"%-5s|\\" .msg }}" | label_format m="{{ .msg }}!"', ['level=info msg=hi'], { maxLineSize: 1000 });
  t.deepEqual(out, [{ labels: { app: 'api', level: 'info', m: 'hi!', msg: 'hi' }, line: 'INFO hi   |' }]);
});

test('a pipeline past its deadline throws QueryTimeoutError, not a template error', (t) => {
  const past = { deadline: Date.now() - 1 };
  const err = t.throws(() => run('|= "a"', ['a'], past), { instanceOf: QueryTimeoutError });
  t.is(err!.status, 504);
  t.throws(() => run('| line_format "{{ .app }}"', ['a'], past), { instanceOf: QueryTimeoutError });
  // and a deadline in the future changes nothing
  t.deepEqual(run('| line_format "{{ .app }}"', ['a'], { deadline: Date.now() + 60_000 }), [{ labels: { app: 'api' }, line: 'api' }]);
});
