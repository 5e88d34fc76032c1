// Where the evaluator reads entries from: any store that can select streams by matchers and time.
import type { Matcher } from '../ast.ts';
import type { EntryBatch } from '../batch.ts';

export interface Source {
  /** Every stream matching the matchers with entries in [start, end); each stream's batches ascending,
   *  an entry held in two places (store and ingester) given once. */
  select(matchers: Matcher[], start: bigint, end: bigint): AsyncIterable<EntryBatch>;
}
