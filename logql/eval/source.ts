// Where the evaluator reads entries from: any store that can select streams by matchers and time,
// and what a query tells it so that it can read less.
import type { Matcher } from '../../model/matchers.ts';
import type { Direction, EntryBatch } from '../../model/batch.ts';
import type { Labels } from '../../model/labels.ts';

/**
 * What a log query with a limit will use of a selection: at most `limit` entries, the first in
 * `direction` by time across all streams. A source that reads in that direction (newest first
 * backward, oldest first forward) can stop early: before it reads a piece of data it asks
 * `bound()`, and may leave the piece out when every entry in it lies strictly beyond the bound
 * (older backward, newer forward). An entry at the bound itself may still tie with a kept one, so
 * it is read. The bound only ever narrows: what lies beyond it once stays beyond.
 */
export interface SelectHint {
  direction: Direction;
  /**
   * Set when every entry selected is an answer (a query without filters): a source may then also
   * cut what each of its holders sends to the first `limit` in `direction`, every tie kept.
   */
  limit?: number;
  /** The time of the worst entry the query keeps once it holds `limit` of them; undefined until then. */
  bound(): bigint | undefined;
}

/** Whether a piece of data holding entries from `from` to `through` lies strictly beyond the hint's bound. */
export function pastBound(hint: SelectHint | undefined, from: bigint, through: bigint): boolean {
  const b = hint?.bound();
  if (b === undefined) return false;
  return hint!.direction === 'forward' ? from > b : through < b;
}

/** A stretch of one stream's entries given only by its totals (see Source.count). */
export interface Span {
  labels: Labels;
  minTs: bigint;
  maxTs: bigint;
  entries: number;
  /** Their lines' bytes together. */
  bytes: number;
}

export interface Source {
  /**
   * Every stream matching the matchers with entries in [start, end); each batch ascending, an entry
   * held in two places (store and ingester) given once. Without a hint, each stream's batches in
   * time order; with one, in any order (see SelectHint), except that a stream's entries at one
   * time always come in the order they were pushed, in one batch or in batches one after another.
   */
  select(matchers: Matcher[], start: bigint, end: bigint, hint?: SelectHint): AsyncIterable<EntryBatch>;
  /**
   * For queries that only count lines or their bytes: what select gives, except that a stretch of
   * a stream's entries without structured metadata (which would change their series) for which
   * `whole(minTs, maxTs)` is true may come as a Span, its entries never read. Optional: the
   * evaluator uses select where a source has no such shortcut.
   */
  count?(matchers: Matcher[], start: bigint, end: bigint, whole: (minTs: bigint, maxTs: bigint) => boolean): AsyncIterable<EntryBatch | Span>;
}
