import test from 'ava';
import { flatStreams, range, run, sourceOf, stream } from './fixtures.ts';

const logs = sourceOf([
  stream({ app: 'x', pod: '1' }, [[1, 'a'], [2, 'b'], [3, 'c']]),
  stream({ app: 'x', pod: '2' }, [[2, 'b'], [4, 'd']]),
  stream({ app: 'x', pod: '10' }, [[3, 'e']]),
]);
const p1 = '{app="x",pod="1"}';
const p2 = '{app="x",pod="2"}';
const p10 = '{app="x",pod="10"}';

// every expectation here is Loki 2.8.11's answer over the same three streams
const cases: Array<[string, Parameters<typeof range>[3], Array<[string, ...string[]]>]> = [
  // streams in the order of their labels' text (pod="1" < pod="10" < pod="2"); entries newest first
  ['{app="x"}', {}, [[p1, '3 c', '2 b', '1 a'], [p10, '3 e'], [p2, '4 d', '2 b']]],
  ['{app="x"}', { direction: 'forward' }, [[p1, '1 a', '2 b', '3 c'], [p10, '3 e'], [p2, '2 b', '4 d']]],
  // the limit keeps the newest (backward) or oldest (forward) across all streams
  ['{app="x"}', { limit: 1 }, [[p2, '4 d']]],
  ['{app="x"}', { limit: 3 }, [[p1, '3 c'], [p10, '3 e'], [p2, '4 d']]],
  ['{app="x"}', { limit: 2, direction: 'forward' }, [[p1, '1 a', '2 b']]],
  ['{app="x"}', { limit: 3, direction: 'forward' }, [[p1, '1 a', '2 b'], [p2, '2 b']]],
  ['{app="x"}', { limit: 100, direction: 'forward', start: 2_000_000_000n, end: 4_000_000_000n }, [[p1, '2 b', '3 c'], [p10, '3 e'], [p2, '2 b']]],
  ['{app="x"} |= "b"', {}, [[p1, '2 b'], [p2, '2 b']]],
  // at a tie in time the limit goes to the stream with the lower hash, as in Loki (pod="10" here)
  ['{app="x"} != "b"', { limit: 2 }, [[p10, '3 e'], [p2, '4 d']]],
  ['{app="x", pod=~"1.*"}', {}, [[p1, '3 c', '2 b', '1 a'], [p10, '3 e']]],
  ['{app="y"}', {}, []],
  // streams that become one after the pipeline merge; equal entries of two streams both stay, as in Loki
  ['{app="x"} | label_format pod="same"', {}, [['{app="x",pod="same"}', '4 d', '3 e', '3 c', '2 b', '2 b', '1 a']]],
  ['{app="x"} | label_format pod="same"', { direction: 'forward', limit: 3 }, [['{app="x",pod="same"}', '1 a', '2 b', '2 b']]],
  ['{app="x"} | line_format "{{.pod}}"', { limit: 2 }, [[p10, '3 10'], [p2, '4 2']]],
  // interval: an entry only at least this long after the last one returned, across streams
  ['{app="x"}', { direction: 'forward', interval: 2e9 }, [[p1, '1 a'], [p10, '3 e']]],
  ['{app="x"}', { interval: 2e9 }, [[p1, '2 b'], [p2, '4 d']]],
  ['{app="x"}', { interval: 2e9, limit: 1 }, [[p2, '4 d']]],
  ['{app="x"}', { direction: 'forward', interval: 1e9 }, [[p1, '1 a', '2 b'], [p10, '3 e'], [p2, '4 d']]],
];
for (const [q, p, want] of cases)
  test(`${q} with ${JSON.stringify(p, (_, v) => (typeof v === 'bigint' ? String(v) : v))} gives ${JSON.stringify(want)}`, async (t) => {
    t.deepEqual(flatStreams(await run(q, range(0, 10, 1, p), logs)), want);
  });

test('entries of one stream at one time keep their push order forward, and the reverse backward', async (t) => {
  const src = sourceOf([stream({ app: 'e' }, [[1, 'x'], [1, 'z'], [1, 'y']])]);
  t.deepEqual(flatStreams(await run('{app="e"}', range(0, 10, 1, { direction: 'forward' }), src)), [['{app="e"}', '1 x', '1 z', '1 y']]);
  t.deepEqual(flatStreams(await run('{app="e"}', range(0, 10, 1), src)), [['{app="e"}', '1 y', '1 z', '1 x']]);
  t.deepEqual(flatStreams(await run('{app="e"}', range(0, 10, 1, { limit: 2 }), src)), [['{app="e"}', '1 y', '1 z']]);
});

test('lines that line_format makes equal at one time are all shown, as in Loki', async (t) => {
  const src = sourceOf([stream({ app: 'e' }, [[1, 'a'], [1, 'b']])]);
  t.deepEqual(flatStreams(await run('{app="e"} | line_format "static"', range(0, 10, 1), src)), [['{app="e"}', '1 static', '1 static']]);
});

test('a large log query keeps only the limit, across many batches', async (t) => {
  const batches = Array.from({ length: 50 }, (_, b) => stream({ app: 'big', part: String(b % 5) }, Array.from({ length: 200 }, (_, i) => [b * 200 + i + 1, `line ${b * 200 + i + 1}`] as [number, string])));
  const r = await run('{app="big"}', range(0, 20000, 1, { limit: 3 }), sourceOf(batches));
  t.deepEqual(flatStreams(r), [['{app="big",part="4"}', '10000 line 10000', '9999 line 9999', '9998 line 9998']]);
  const f = await run('{app="big"}', range(0, 20000, 1, { limit: 2, direction: 'forward' }), sourceOf(batches));
  t.deepEqual(flatStreams(f), [['{app="big",part="0"}', '1 line 1', '2 line 2']]);
});
