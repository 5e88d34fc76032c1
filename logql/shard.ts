// Which queries can be answered shard by shard (each sub-query reading a disjoint part of the
// tenant's streams, by fingerprint) and put back together exactly, as Loki's query sharding does.
import type { Expr, RangeOp } from './ast.ts';

/**
 * How shards' answers combine: `log` (entries merged in time order under the limit) or `sum`
 * (points of one series at one time added up); undefined for a query that cannot be sharded.
 */
export type ShardMerge = 'log' | 'sum';

/** Range aggregations whose value over several streams is the sum of their values per stream. */
const ADDITIVE: ReadonlySet<RangeOp> = new Set(['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate', 'sum_over_time']);

export function shardMerge(expr: Expr): ShardMerge | undefined {
  if (expr.kind === 'log') return 'log';
  // a bare range aggregation: two streams may give one series (after a parser), added up
  if (expr.kind === 'range') return ADDITIVE.has(expr.op) ? 'sum' : undefined;
  // sum of sums: the shards' sums per group add up to the whole's
  if (expr.kind === 'vector' && expr.op === 'sum' && expr.inner.kind === 'range') return ADDITIVE.has(expr.inner.op) ? 'sum' : undefined;
  return undefined;
}
