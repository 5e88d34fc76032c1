import test from 'ava';
import { batchOf, type Labels } from '../../../logql/batch.ts';
import { compilePipeline } from '../../../logql/pipeline/index.ts';
import { parseExpr } from '../../../logql/parser/index.ts';

const stream: Labels = [['app', 'api']];
const lines = ['first line', '', 'third line'];

/** The lines `{app="api"} <pipeline>` keeps. */
function kept(pipeline: string): string[] {
  const e = parseExpr(`{app="api"} ${pipeline}`);
  if (e.kind !== 'log') throw new Error('not a log query');
  const out: string[] = [];
  const batch = batchOf(stream, lines.map((l, i) => [BigInt(i + 1) * 1_000_000_000n, l] as const));
  compilePipeline(e.pipeline).run(batch, (_, line) => out.push(line.toString()));
  return out;
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
