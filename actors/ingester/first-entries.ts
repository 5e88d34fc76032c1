// The first `limit` entries by time across several streams, for a log query that will read no
// more: each stream is cut at the limit-th timestamp in the query's direction, ties kept, so the
// answer stays a superset of what the query can use and an ingester sends no more than that.
import { firstAfter, firstAtOrAfter, sliceBatch, type Direction, type EntryBatch } from '../../model/batch.ts';

/** `batches` ascending each; returns each one cut (maybe to nothing), in the same order. */
export function firstEntries(batches: EntryBatch[], limit: number, direction: Direction): EntryBatch[] {
  let total = 0;
  for (const b of batches) total += b.ts.length;
  if (total <= limit) return batches;
  const cut = cutTime(batches, limit, direction === 'forward');
  return batches.map((b) =>
    direction === 'forward' ? sliceBatch(b, 0, firstAfter(b.ts, cut)) : sliceBatch(b, firstAtOrAfter(b.ts, cut), b.ts.length),
  );
}

/** The limit-th timestamp in direction, walking the sorted batches with a small heap of cursors. */
function cutTime(batches: EntryBatch[], limit: number, forward: boolean): bigint {
  // cursor i points into batch i: forward from its start, backward from its end
  const pos = batches.map((b) => (forward ? 0 : b.ts.length - 1));
  const at = (i: number) => batches[i].ts[pos[i]];
  const before = (i: number, j: number) => (forward ? at(i) < at(j) : at(i) > at(j));
  const heap: number[] = [];
  const up = (k: number) => {
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (!before(heap[k], heap[p])) break;
      [heap[k], heap[p]] = [heap[p], heap[k]];
      k = p;
    }
  };
  const down = (k: number) => {
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let m = k;
      if (l < heap.length && before(heap[l], heap[m])) m = l;
      if (r < heap.length && before(heap[r], heap[m])) m = r;
      if (m === k) return;
      [heap[k], heap[m]] = [heap[m], heap[k]];
      k = m;
    }
  };
  batches.forEach((b, i) => {
    if (b.ts.length) {
      heap.push(i);
      up(heap.length - 1);
    }
  });
  let last = 0n;
  for (let taken = 0; taken < limit && heap.length; taken++) {
    const i = heap[0];
    last = at(i);
    pos[i] += forward ? 1 : -1;
    if (pos[i] < 0 || pos[i] >= batches[i].ts.length) {
      heap[0] = heap[heap.length - 1];
      heap.pop();
    }
    if (heap.length) down(0);
  }
  return last;
}
