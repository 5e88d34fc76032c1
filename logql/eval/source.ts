// Where the evaluator reads entries from: any store that can select streams by matchers and time.
import type { Matcher } from '../../model/matchers.ts';
import type { Direction, EntryBatch } from '../../model/batch.ts';

/**
 * What a log query will use of a selection: only the first `limit` entries in `direction`, by
 * time across all streams. A source may then leave out entries past them, keeping every tie.
 */
export interface SelectHint {
  limit: number;
  direction: Direction;
}

export interface Source {
  /** Every stream matching the matchers with entries in [start, end); each stream's batches ascending,
   *  an entry held in two places (store and ingester) given once. */
  select(matchers: Matcher[], start: bigint, end: bigint, hint?: SelectHint): AsyncIterable<EntryBatch>;
}
