import test from 'ava';
import { alignedRange } from '../../../logql/eval/index.ts';
import { formatValue } from '../../../logql/eval/format.ts';
import { S, flatMatrix, instant, range, run, sourceOf, stream } from './fixtures.ts';

const alignments: Array<[[number, number, number], [number, number]]> = [
  [[10, 20, 5], [10, 20]],
  [[7, 23, 5], [5, 25]],
  [[0, 0, 1], [0, 0]],
  [[61, 119, 60], [60, 120]],
  [[1, 2, 3600], [0, 3600]],
];
for (const [[start, end, step], [wantStart, wantEnd]] of alignments)
  test(`a range query from ${start}s to ${end}s by ${step}s runs on the grid ${wantStart}s..${wantEnd}s`, (t) => {
    t.deepEqual(alignedRange(BigInt(start) * S, BigInt(end) * S, step * 1e9), { start: BigInt(wantStart) * S, end: BigInt(wantEnd) * S });
  });

test('alignment counts from the epoch, also for steps that do not divide a minute', (t) => {
  t.deepEqual(alignedRange(100n * S, 200n * S, 7e9), { start: 98n * S, end: 203n * S });
});

const values: Array<[number, string]> = [
  [1, '1'], [0.5, '0.5'], [-2, '-2'], [0.1 + 0.2, '0.30000000000000004'], [1e21, '1000000000000000000000'], [1.5e22, '15000000000000000000000'],
  [1e-7, '0.0000001'], [-1.5e-10, '-0.00000000015'], [123456789.125, '123456789.125'], [NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'], [-0, '-0'], [0, '0'],
];
for (const [v, want] of values)
  test(`the value ${String(v)} is written ${want}, as Go's FormatFloat(v, 'f', -1, 64)`, (t) => {
    t.is(formatValue(v), want);
  });

const src = sourceOf([stream({ app: 'a' }, [[1, 'x'], [2, 'y'], [2.5, 'z']]), stream({ app: 'b' }, [[1, 'x']]), stream({ app: 'c' }, [[1, 'x']])]);

test('an instant metric query answers a vector at its time, in unix seconds with millisecond precision', async (t) => {
  t.deepEqual(await run('count_over_time({app="a"}[5s])', instant(2.5), src), { resultType: 'vector', result: [{ metric: { app: 'a' }, value: [2.5, '3'] }] });
});

test('a literal alone is a scalar in an instant query and a series without labels in a range query', async (t) => {
  t.deepEqual(await run('42', instant(3), src), { resultType: 'scalar', result: [3, '42'] });
  t.deepEqual(await run('42', range(1, 3, 1), src), { resultType: 'matrix', result: [{ metric: {}, values: [[1, '42'], [2, '42'], [3, '42']] }] });
});

test('vector(x) is a vector without labels in an instant query and a series in a range query', async (t) => {
  t.deepEqual(await run('vector(3)', instant(3), src), { resultType: 'vector', result: [{ metric: {}, value: [3, '3'] }] });
  t.deepEqual(flatMatrix(await run('vector(3)', range(1, 3, 1), src)), [['{}', '1:3 2:3 3:3']]);
});

test('a range query answers a matrix, series ordered by labels', async (t) => {
  t.deepEqual(flatMatrix(await run('count_over_time({app=~"a|b|c"}[1s])', range(1, 3, 1), src)), [['{app="a"}', '1:1 2:1 3:1'], ['{app="b"}', '1:1'], ['{app="c"}', '1:1']]);
});

test('a step that is not whole seconds puts points at millisecond times', async (t) => {
  t.deepEqual(flatMatrix(await run('count_over_time({app="a"}[500ms])', range(1, 2.5, 0.5), src)), [['{app="a"}', '1:1 2:1 2.5:1']]);
});

test('more series than max_query_series fails in Loki\'s words with a 400', async (t) => {
  const err = await t.throwsAsync(() => run('count_over_time({app=~".+"}[5s])', instant(3, { maxSeries: 2 }), src), { message: 'maximum number of series (2) reached for a single query' });
  t.is((err as Error & { status: number }).status, 400);
  await t.throwsAsync(() => run('count_over_time({app=~".+"}[1s])', range(1, 3, 1, { maxSeries: 2 }), src), { message: 'maximum number of series (2) reached for a single query' });
  t.is((await run('count_over_time({app=~".+"}[5s])', instant(3, { maxSeries: 3 }), src)).resultType, 'vector');
  t.is((await run('sum(count_over_time({app=~".+"}[5s]))', instant(3, { maxSeries: 1 }), src)).resultType, 'vector');
});

test('max_query_series defaults to 500', async (t) => {
  const many = sourceOf(Array.from({ length: 501 }, (_, i) => stream({ app: 'm', n: String(i) }, [[1, 'x']])));
  await t.throwsAsync(() => run('count_over_time({app="m"}[5s])', instant(3), many), { message: 'maximum number of series (500) reached for a single query' });
  t.is((await run('count_over_time({app="m", n!="0"}[5s])', instant(3), many)).resultType, 'vector');
});

test('a log query answers streams', async (t) => {
  t.deepEqual(await run('{app="b"}', range(0, 10, 1), src), { resultType: 'streams', result: [{ stream: { app: 'b' }, values: [['1000000000', 'x']] }] });
});
