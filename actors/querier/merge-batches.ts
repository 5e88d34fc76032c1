// One batch from a stream's batches that overlap in time (its chunks, then ingester memory),
// dropping exact duplicates: an entry flushed to the store and still in an ingester's memory, or
// in two chunks, is answered once.
import { batchFromRows, type EntryBatch, type Row } from '../../model/batch.ts';
import { formatLabels, type Labels } from '../../model/labels.ts';

/**
 * One ascending batch from several of the same stream. Entries at one time keep the order they
 * were pushed in, as Loki returns them: chunks go in time order and the sort is stable.
 */
export function mergeBatches(batches: EntryBatch[]): EntryBatch {
  if (batches.length === 1) return batches[0];
  const rows: Row[] = [];
  for (const b of batches)
    for (let i = 0; i < b.ts.length; i++) rows.push([b.ts[i], b.lines.subarray(b.offsets[i], b.offsets[i + 1]), b.metadata?.[i]]);
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const kept: typeof rows = [];
  let sameTime = 0;
  for (const r of rows) {
    if (kept.length && kept[kept.length - 1][0] !== r[0]) sameTime = kept.length;
    let dup = false;
    for (let j = sameTime; j < kept.length && !dup; j++) dup = kept[j][1].equals(r[1]) && metaText(kept[j][2]) === metaText(r[2]);
    if (!dup) kept.push(r);
  }
  return batchFromRows(batches[0].labels, kept);
}

const metaText = (m: Labels | undefined) => (m ? formatLabels(m) : '');
