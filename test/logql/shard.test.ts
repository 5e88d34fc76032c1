import test from 'ava';
import { parseExpr } from '../../logql/parser/index.ts';
import { shardMerge, type ShardMerge } from '../../logql/shard.ts';

const cases: Array<[string, ShardMerge | undefined]> = [
  ['{app="a"} |= "x" | logfmt', 'log'],
  ['count_over_time({app="a"}[1m])', 'sum'],
  ['rate({app="a"} | json [5m])', 'sum'],
  ['sum(count_over_time({app="a"} |= "x" [1m]))', 'sum'],
  ['sum by (level) (bytes_rate({app="a"} | logfmt [1m]))', 'sum'],
  ['sum without (pod) (sum_over_time({app="a"} | unwrap n [1m]))', 'sum'],
  // a result that is not the sum of its parts per stream stays one sub-query
  ['avg(count_over_time({app="a"}[1m]))', undefined],
  ['count(count_over_time({app="a"}[1m]))', undefined],
  ['max(rate({app="a"}[1m]))', undefined],
  ['topk(3, sum by (pod) (rate({app="a"}[1m])))', undefined],
  ['sum(max_over_time({app="a"} | unwrap n [1m]))', undefined],
  ['avg_over_time({app="a"} | unwrap n [1m])', undefined],
  ['sum(sum(rate({app="a"}[1m])))', undefined],
  ['sum(rate({app="a"}[1m])) / 2', undefined],
];
for (const [q, want] of cases) test(`${q} is ${want ? `sharded, merged by ${want}` : 'not sharded'}`, (t) => t.is(shardMerge(parseExpr(q)), want));
