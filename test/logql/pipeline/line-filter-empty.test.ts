import test from 'ava';
import { runPipeline } from './run-pipeline.ts';

const lines = ['first line', '', 'third line'];

function kept(pipeline: string): string[] {
  return runPipeline(pipeline, lines).map((o) => o.line);
}

test('|= "" keeps every line, the empty one too', (t) => {
  t.deepEqual(kept('|= ""'), lines);
});

test('!= "" keeps no line at all, as in Loki 2.8', (t) => {
  t.deepEqual(kept('!= ""'), []);
});

test('!= "" after another filter or a parser still keeps nothing', (t) => {
  t.deepEqual(kept('|= "line" != ""'), []);
  t.deepEqual(kept('| logfmt != ""'), []);
});

test('!= "" or "x" keeps no line either: every line contains ""', (t) => {
  t.deepEqual(kept('!= "" or "x"'), []);
});
