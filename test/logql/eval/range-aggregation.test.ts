import test from 'ava';
import { S, flatMatrix, flatVector, instant, range, run, sourceOf, stream } from './fixtures.ts';

// lines of 1..5 bytes at 1..5s on pod a; two on pod b; one on web
const counts = sourceOf([
  stream({ app: 'api', pod: 'a' }, [[1, 'a'], [2, 'bb'], [3, 'ccc'], [4, 'dddd'], [5, 'eeeee']]),
  stream({ app: 'api', pod: 'b' }, [[2, 'xx'], [4, 'yyyy']]),
  stream({ app: 'web', pod: 'a' }, [[3, 'zzz']]),
]);

const instantCases: Array<[string, number, Array<[string, string]>]> = [
  // the window is (t - range, t]: the entry at t - range is out, the one at t is in
  ['count_over_time({app="api", pod="a"}[2s])', 4, [['{app="api",pod="a"}', '2']]],
  ['count_over_time({app="api", pod="a"}[2s])', 3.5, [['{app="api",pod="a"}', '2']]],
  ['count_over_time({app="api", pod="a"}[1s])', 3, [['{app="api",pod="a"}', '1']]],
  ['count_over_time({app="api", pod="a"}[1s])', 5, [['{app="api",pod="a"}', '1']]],
  ['count_over_time({app="api", pod="a"}[500ms])', 3.6, []],
  ['count_over_time({app="api", pod="a"}[5s])', 5, [['{app="api",pod="a"}', '5']]],
  ['count_over_time({app="api", pod="a"}[1m])', 60, [['{app="api",pod="a"}', '5']]],
  ['count_over_time({app="api", pod="a"}[1m])', 65, []],
  ['rate({app="api", pod="a"}[2s])', 4, [['{app="api",pod="a"}', '1']]],
  ['rate({app="api", pod="a"}[4s])', 5, [['{app="api",pod="a"}', '1']]],
  ['rate({app="api", pod="a"}[1m])', 5, [['{app="api",pod="a"}', '0.08333333333333333']]],
  ['bytes_over_time({app="api", pod="a"}[2s])', 4, [['{app="api",pod="a"}', '7']]],
  ['bytes_rate({app="api", pod="a"}[2s])', 4, [['{app="api",pod="a"}', '3.5']]],
  ['bytes_over_time({app="api"}[5s])', 5, [['{app="api",pod="a"}', '15'], ['{app="api",pod="b"}', '6']]],
  ['count_over_time({app="api"}[5s])', 5, [['{app="api",pod="a"}', '5'], ['{app="api",pod="b"}', '2']]],
  ['count_over_time({pod="a"}[5s])', 5, [['{app="api",pod="a"}', '5'], ['{app="web",pod="a"}', '1']]],
  ['count_over_time({app="api"} |= "y" [5s])', 5, [['{app="api",pod="b"}', '1']]],
  ['count_over_time({app="none"}[5s])', 5, []],
  // offset moves the window back: (t - offset - range, t - offset]
  ['count_over_time({app="api", pod="a"}[2s] offset 2s)', 5, [['{app="api",pod="a"}', '2']]],
  ['count_over_time({app="api", pod="a"}[2s] offset 2s)', 3, [['{app="api",pod="a"}', '1']]],
  ['count_over_time({app="api", pod="a"}[10s] offset 10s)', 5, []],
  ['bytes_over_time({app="api", pod="a"}[1s] offset 1s)', 5, [['{app="api",pod="a"}', '4']]],
  ['sum by (app) (count_over_time({app=~".+"}[5s]))', 5, [['{app="api"}', '7'], ['{app="web"}', '1']]],
  ['sum(count_over_time({app=~".+"}[5s]))', 5, [['{}', '8']]],
  ['sum without (pod) (rate({app=~".+"}[4s]))', 5, [['{app="api"}', '1.5'], ['{app="web"}', '0.25']]],
  ['sum by (pod) (bytes_over_time({app=~".+"}[5s]))', 5, [['{pod="a"}', '18'], ['{pod="b"}', '6']]],
  // absent_over_time: 1 when nothing is there, labelled by the selector's equality matchers
  ['absent_over_time({app="api", pod="zzz"}[5s])', 5, [['{app="api",pod="zzz"}', '1']]],
  ['absent_over_time({app="api"}[5s])', 5, []],
  ['absent_over_time({app=~"zz.*"}[5s])', 5, [['{}', '1']]],
  ['absent_over_time({app="zzz", app=~"z.*"}[5s])', 5, [['{}', '1']]],
  ['absent_over_time({app="zzz", pod!="a"}[5s])', 5, [['{app="zzz"}', '1']]],
  ['absent_over_time({app="api"} |= "nothing like this" [5s])', 5, [['{app="api"}', '1']]],
  ['absent_over_time({app="api", pod="a"}[1s] offset 10s)', 5, [['{app="api",pod="a"}', '1']]],
];
for (const [q, at, want] of instantCases)
  test(`${q} at ${at}s gives ${JSON.stringify(want)}`, async (t) => {
    t.deepEqual(flatVector(await run(q, instant(at), counts)), want);
  });

const rangeCases: Array<[string, [number, number, number], Array<[string, string]>]> = [
  ['count_over_time({app="api", pod="a"}[2s])', [1, 5, 1], [['{app="api",pod="a"}', '1:1 2:2 3:2 4:2 5:2']]],
  // steps without samples have no point
  ['count_over_time({app="api", pod="a"}[1s])', [0, 6, 2], [['{app="api",pod="a"}', '2:1 4:1']]],
  ['count_over_time({app="api"}[1s])', [1, 5, 1], [['{app="api",pod="a"}', '1:1 2:1 3:1 4:1 5:1'], ['{app="api",pod="b"}', '2:1 4:1']]],
  // the grid is aligned to the step: 1.5..4.5 by 1s evaluates at 1, 2, 3, 4, 5
  ['count_over_time({app="api", pod="a"}[1s])', [1.5, 4.5, 1], [['{app="api",pod="a"}', '1:1 2:1 3:1 4:1 5:1']]],
  ['count_over_time({app="api", pod="a"}[1s] offset 1s)', [1, 6, 1], [['{app="api",pod="a"}', '2:1 3:1 4:1 5:1 6:1']]],
  ['rate({app="api", pod="a"}[2s])', [2, 6, 2], [['{app="api",pod="a"}', '2:1 4:1 6:0.5']]],
  ['bytes_rate({app="api", pod="b"}[2s])', [2, 6, 2], [['{app="api",pod="b"}', '2:1 4:2']]],
  ['absent_over_time({app="api", pod="b"}[1s])', [1, 5, 1], [['{app="api",pod="b"}', '1:1 3:1 5:1']]],
  ['sum(count_over_time({app=~".+"}[1s]))', [1, 5, 1], [['{}', '1:1 2:2 3:2 4:2 5:1']]],
  // a range wider than the step counts an entry at several steps
  ['count_over_time({app="web"}[3s])', [2, 7, 1], [['{app="web",pod="a"}', '3:1 4:1 5:1']]],
  ['count_over_time({app="none"}[3s])', [2, 7, 1], []],
];
for (const [q, [from, to, step], want] of rangeCases)
  test(`${q} from ${from}s to ${to}s by ${step}s gives ${JSON.stringify(want)}`, async (t) => {
    t.deepEqual(flatMatrix(await run(q, range(from, to, step), counts)), want);
  });

test('a range aggregation reads only (first step - offset - range, last step - offset]', async (t) => {
  const src = sourceOf([]);
  await run('count_over_time({app="api"}[2s] offset 1s)', range(3, 5, 1), src);
  t.deepEqual(src.calls, [[1n, 4n * S + 1n]]);
  await run('rate({app="api"}[1m])', instant(100), src);
  t.deepEqual(src.calls[1], [40n * S + 1n, 100n * S + 1n]);
});

test('equal lines at the same time in two streams both count', async (t) => {
  const src = sourceOf([stream({ app: 'd', pod: '1' }, [[1, 'x']]), stream({ app: 'd', pod: '2' }, [[1, 'x']])]);
  t.deepEqual(flatVector(await run('sum(count_over_time({app="d"}[5s]))', instant(5), src)), [['{}', '2']]);
});

test('batches of one stream in any order count each entry once, in time order', async (t) => {
  const src = sourceOf([stream({ app: 'o' }, [[3, 'v=3']]), stream({ app: 'o' }, [[1, 'v=1'], [2, 'v=2']])]);
  t.deepEqual(flatVector(await run('first_over_time({app="o"} | logfmt v | unwrap v [5s])', instant(5), src)), [['{app="o"}', '1']]);
  t.deepEqual(flatVector(await run('last_over_time({app="o"} | logfmt v | unwrap v [5s])', instant(5), src)), [['{app="o"}', '3']]);
});
