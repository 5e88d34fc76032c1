// A query that can be sharded is split by stream as well as by time (8 shards by default, 4 for a
// log query), each shard a sub-query of its own: its answer must be exactly the unsharded one,
// from the store and from ingester memory alike, and a query whose value is not a sum of its parts
// is not sharded.
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { get, metricValue, pushJson, queryRange, waitFor } from '../../helpers/loki.ts';

const PODS = 40;
const PER_POD = 50;
const S = 1_000_000_000n;
const PIECE = 1800n * S; // split_queries_by_interval

/**
 * A time `offset` into a 30-minute piece that has ended less than half an hour ago: a query step
 * there is in one piece whatever the clock says (a step in the last minute before a boundary is
 * split in two, and the sub-query counts below would be doubled).
 */
function inPiece(offset: bigint): bigint {
  const now = BigInt(Date.now()) * 1_000_000n;
  return ((now - PIECE / 2n) / PIECE) * PIECE + offset;
}

interface Line {
  ts: bigint;
  pod: string;
  line: string;
  level: string;
}

async function matrix(url: string, query: string, at: bigint): Promise<{ result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>; subqueries: number }> {
  const res = await get(url, '/loki/api/v1/query_range', { query, start: String(at), end: String(at), step: '60' });
  const body = (await res.json()) as { data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>; stats: { summary: { subqueries: number } } } };
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${JSON.stringify(body)}`);
  return { result: body.data.result, subqueries: body.data.stats.summary.subqueries };
}

test('sharded queries answer exactly what reading every stream at once answers, from the store and from memory', async (t) => {
  t.timeout(120_000);
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'ingester.chunk_idle_period': '1s', 'ingester.chunk_retain_period': '0s' });
  const base = inPiece(300n * S);
  const lines: Line[] = [];
  // the first half of each pod's lines is flushed to the store before the second is pushed
  for (const half of [0, 1]) {
    const streams = Array.from({ length: PODS }, (_, p) => {
      const values: Array<[string, string]> = [];
      for (let j = half * (PER_POD / 2); j < (half + 1) * (PER_POD / 2); j++) {
        const ts = base + BigInt(j * PODS + p) * 1_000_000n;
        const level = (p + j) % 5 === 0 ? 'error' : 'info';
        const line = `level=${level} pod=p${p} j=${j}`;
        values.push([String(ts), line]);
        lines.push({ ts, pod: `p${p}`, line, level });
      }
      return { stream: { job: 'shard', pod: `p${p}` }, values };
    });
    t.is((await pushJson(url, { streams })).status, 204);
    if (half === 0) await waitFor('the first half flushed', async () => (await metricValue(url, 'loki_ingester_chunks_flushed_total')) >= PODS);
  }
  const at = base + 600n * S;
  const errors = lines.filter((l) => l.level === 'error').length;

  const total = await matrix(url, 'sum(count_over_time({job="shard"}[1h]))', at);
  t.is(total.subqueries, 8);
  t.deepEqual(total.result.map((s) => s.values[0][1]), [String(PODS * PER_POD)]);

  const byLevel = await matrix(url, 'sum by (level) (count_over_time({job="shard"} | logfmt [1h]))', at);
  t.deepEqual(byLevel.result.map((s) => [s.metric.level, s.values[0][1]]), [['error', String(errors)], ['info', String(PODS * PER_POD - errors)]]);

  // streams of different shards that end as one series (keep drops the pod) are added up
  const kept = await matrix(url, 'count_over_time({job="shard"} | logfmt | keep level [1h])', at);
  t.is(kept.subqueries, 8);
  t.deepEqual(kept.result.map((s) => [s.metric, s.values[0][1]]), [[{ level: 'error' }, String(errors)], [{ level: 'info' }, String(PODS * PER_POD - errors)]]);

  const avg = await matrix(url, 'avg(count_over_time({job="shard"}[1h]))', at);
  t.is(avg.subqueries, 1, 'an average is not the sum of its shards: one sub-query');
  t.deepEqual(avg.result.map((s) => s.values[0][1]), [String(PER_POD)]);

  const range = { start: String(base - S), end: String(at) };
  const newest = await queryRange(url, { query: '{job="shard"} |= "level=error"', ...range, limit: '7' });
  const want = lines.filter((l) => l.level === 'error').sort((a, b) => (a.ts < b.ts ? 1 : -1)).slice(0, 7);
  t.deepEqual(newest.result.flatMap((s) => s.values.map(([ts, line]) => [ts, line])).sort().reverse(), want.map((l) => [String(l.ts), l.line]));

  // a log query has half the shards: each reads until it holds the limit
  const piece = at - (at % PIECE);
  const res = await get(url, '/loki/api/v1/query_range', { query: '{job="shard"}', start: String(piece), end: String(piece + 60n * S), limit: '7' });
  t.is(((await res.json()) as { data: { stats: { summary: { subqueries: number } } } }).data.stats.summary.subqueries, 4);

  const everything = await queryRange(url, { query: '{job="shard"}', ...range, limit: '5000', direction: 'forward' });
  const got = everything.result.flatMap((s) => s.values.map(([ts, line]) => `${ts} ${line}`)).sort();
  t.deepEqual(got, lines.map((l) => `${l.ts} ${l.line}`).sort(), 'every line once');
});

test('with parallelise_shardable_queries false a query is one sub-query per time piece', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'query_range.parallelise_shardable_queries': 'false' });
  const ts = inPiece(900n * S);
  t.is((await pushJson(url, { streams: [{ stream: { job: 'one' }, values: [[String(ts), 'x']] }] })).status, 204);
  const one = await matrix(url, 'sum(count_over_time({job="one"}[1h]))', ts + S);
  t.is(one.subqueries, 1);
  t.deepEqual(one.result.map((s) => s.values[0][1]), ['1']);
});
