// The querier reads a stream from the store and from ingesters; where both hold an entry, a
// query must see it once, and the merged entries must be in time order.
import test from 'ava';
import { batchOf } from '../../../model/batch.ts';
import type { Labels } from '../../../model/labels.ts';
import { mergeBatches } from '../../../actors/querier/merge-batches.ts';

const labels: Labels = [['app', 'api']];
const rows = (b: ReturnType<typeof batchOf>) => Array.from(b.ts, (ts, i) => [ts, b.lines.subarray(b.offsets[i], b.offsets[i + 1]).toString()]);

test('an entry in both the store and an ingester is kept once, in time order', (t) => {
  const store = batchOf(labels, [[1n, 'a'], [2n, 'b'], [3n, 'c']]);
  const memory = batchOf(labels, [[3n, 'c'], [4n, 'd']]);
  t.deepEqual(rows(mergeBatches([memory, store])), [[1n, 'a'], [2n, 'b'], [3n, 'c'], [4n, 'd']]);
});

test('different lines at the same time are both kept', (t) => {
  const a = batchOf(labels, [[5n, 'x']]);
  const b = batchOf(labels, [[5n, 'y']]);
  t.deepEqual(rows(mergeBatches([b, a])), [[5n, 'y'], [5n, 'x']]);
});

test('entries at one time keep the order they were pushed in across chunks and memory', (t) => {
  const chunk = batchOf(labels, [[1n, 'a'], [7n, 'p'], [7n, 'q']]);
  const memory = batchOf(labels, [[7n, 'q'], [7n, 'c'], [7n, 'b'], [9n, 'z']]);
  t.deepEqual(rows(mergeBatches([chunk, memory])), [[1n, 'a'], [7n, 'p'], [7n, 'q'], [7n, 'c'], [7n, 'b'], [9n, 'z']]);
});
