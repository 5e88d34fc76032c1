// A parser renames an extracted label to `<name>_extracted` when the entry's own stream has that
// label, whichever streams a query's pipeline has already seen: a stream label is never overwritten.
import test from 'ava';
import { batchOf } from '../../../model/batch.ts';
import type { Labels } from '../../../model/labels.ts';
import { compilePipeline } from '../../../logql/pipeline/index.ts';
import { parseExpr } from '../../../logql/parser/index.ts';

const withLevel: Labels = [['app', 'x'], ['level', 'debug']];
const without: Labels = [['app', 'x']];

/** One pipeline over the streams' batches in the order given; each entry as `labels | line`, by stream. */
function run(pipeline: string, line: string, streams: Labels[]): Map<Labels, string[]> {
  const e = parseExpr(`{app="x"} ${pipeline}`);
  if (e.kind !== 'log') throw new Error('not a log query');
  const p = compilePipeline(e.pipeline);
  const out = new Map<Labels, string[]>();
  for (const s of streams) {
    const got: string[] = [];
    p.run(batchOf(s, [[1n, line], [2n, line]]), (_, l, labels) => got.push(`${labels.map(([n, v]) => `${n}=${v}`).join(',')} | ${l}`));
    out.set(s, got);
  }
  return out;
}

const cases: Array<[string, string, string, string]> = [
  ['| json', '{"level":"info","msg":"m"}', 'app=x,level=debug,level_extracted=info,msg=m', 'app=x,level=info,msg=m'],
  ['| json level="level"', '{"level":"info","msg":"m"}', 'app=x,level=debug,level_extracted=info', 'app=x,level=info'],
  ['| logfmt', 'level=info msg=m', 'app=x,level=debug,level_extracted=info,msg=m', 'app=x,level=info,msg=m'],
  ['| logfmt level', 'level=info msg=m', 'app=x,level=debug,level_extracted=info', 'app=x,level=info'],
  ['| regexp "level=(?P<level>\\\\w+)"', 'level=info msg=m', 'app=x,level=debug,level_extracted=info', 'app=x,level=info'],
  ['| pattern "level=<level> <_>"', 'level=info msg=m', 'app=x,level=debug,level_extracted=info', 'app=x,level=info'],
];

for (const [pipeline, line, wantWith, wantWithout] of cases)
  test(`${pipeline} names level by each entry's own stream, in either stream order`, (t) => {
    for (const order of [[withLevel, without], [without, withLevel]]) {
      const out = run(pipeline, line, order);
      t.deepEqual(out.get(withLevel), [`${wantWith} | ${line}`, `${wantWith} | ${line}`]);
      t.deepEqual(out.get(without), [`${wantWithout} | ${line}`, `${wantWithout} | ${line}`]);
    }
  });

test('unpack names level by each entry\'s own stream, in either stream order, packed line first or not', (t) => {
  const packed = '{"_entry":"m","level":"info"}';
  for (const order of [[withLevel, without], [without, withLevel]]) {
    const out = run('| unpack', packed, order);
    t.deepEqual(out.get(withLevel), ['app=x,level=debug,level_extracted=info | m', 'app=x,level=debug,level_extracted=info | m']);
    t.deepEqual(out.get(without), ['app=x,level=info | m', 'app=x,level=info | m']);
  }
  // a line without _entry sets no label, and decides nothing for the streams after it
  const e = parseExpr('{app="x"} | unpack');
  if (e.kind !== 'log') throw new Error('not a log query');
  const p = compilePipeline(e.pipeline);
  const got: string[] = [];
  const emit = (_: number, l: Buffer, labels: Labels) => got.push(`${labels.map(([n, v]) => `${n}=${v}`).join(',')} | ${l}`);
  p.run(batchOf(without, [[1n, '{"level":"x"}']]), emit);
  p.run(batchOf(withLevel, [[2n, packed]]), emit);
  t.deepEqual(got, ['app=x | {"level":"x"}', 'app=x,level=debug,level_extracted=info | m']);
});
