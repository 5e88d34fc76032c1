import test from 'ava';
import { Windows } from '../../model/windows.ts';

const bounds = (w: Windows) => Array.from({ length: w.count }, (_, i) => [w.startOf(i), w.endOf(i)]);

function spread(w: Windows, minTs: bigint, maxTs: bigint, entries: number, bytes: number) {
  const got = new Map<number, [number, number]>();
  w.spread(minTs, maxTs, entries, bytes, (i, e, b) => {
    const at = got.get(i) ?? [0, 0];
    got.set(i, [at[0] + e, at[1] + b]);
  });
  return Object.fromEntries(got);
}

test('windows cut [start, end) at multiples of the step, the first and last cut short by the range', (t) => {
  t.deepEqual(bounds(new Windows(105n, 330n, 100n)), [
    [105n, 200n],
    [200n, 300n],
    [300n, 330n],
  ]);
  t.deepEqual(bounds(new Windows(100n, 300n, 100n)), [
    [100n, 200n],
    [200n, 300n],
  ]);
  t.deepEqual(bounds(new Windows(105n, 150n, 100n)), [[105n, 150n]]);
  t.deepEqual(bounds(new Windows(105n, 330n, 0n)), [[105n, 330n]], 'step 0: one window');
  t.deepEqual(bounds(new Windows(5n, 5n, 100n)), [[5n, 5n]], 'an empty range: one empty window');
});

test('a piece of the range that starts and ends on window boundaries cuts the same windows as the whole', (t) => {
  const whole = bounds(new Windows(105n, 1030n, 100n));
  t.deepEqual([...bounds(new Windows(105n, 500n, 100n)), ...bounds(new Windows(500n, 1030n, 100n))], whole);
});

test('indexOf names the window holding a time', (t) => {
  const w = new Windows(105n, 330n, 100n);
  t.deepEqual([105n, 199n, 200n, 299n, 300n, 329n].map((ts) => w.indexOf(ts)), [0, 0, 1, 1, 2, 2]);
});

test('a span inside one window, and a single entry, count whole', (t) => {
  const w = new Windows(100n, 400n, 100n);
  t.deepEqual(spread(w, 110n, 190n, 7, 700), { 0: [7, 700] });
  t.deepEqual(spread(w, 250n, 250n, 3, 30), { 1: [3, 30] });
  t.deepEqual(spread(w, 300n, 300n, 1, 10), { 2: [1, 10] }, 'an entry on a boundary belongs to the window it starts');
  t.deepEqual(spread(w, 400n, 400n, 1, 10), {}, 'end is not in the range');
});

test('a span across windows is shared by the time it spends in each, adding up to its totals', (t) => {
  const w = new Windows(100n, 400n, 100n);
  t.deepEqual(spread(w, 150n, 250n, 10, 1000), { 0: [5, 500], 1: [5, 500] });
  t.deepEqual(spread(w, 175n, 375n, 8, 800), { 0: [1, 100], 1: [4, 400], 2: [3, 300] });
  const odd = spread(w, 101n, 398n, 1001, 77_777);
  const sum = Object.values(odd).reduce((s, [e, b]) => [s[0] + e, s[1] + b], [0, 0]);
  t.deepEqual(sum, [1001, 77_777]);
});

test('the part of a span outside the range is left out, in proportion', (t) => {
  const w = new Windows(100n, 300n, 100n);
  t.deepEqual(spread(w, 0n, 200n, 10, 1000), { 0: [5, 500] });
  t.deepEqual(spread(w, 250n, 350n, 10, 1000), { 1: [5, 500] });
  t.deepEqual(spread(w, 0n, 100n, 10, 1000), {}, 'a span ending where the range starts has no time in it');
  t.deepEqual(spread(new Windows(100n, 300n, 0n), 0n, 400n, 100, 100), { 0: [50, 50] }, 'one window (index stats): its share of the span');
});
