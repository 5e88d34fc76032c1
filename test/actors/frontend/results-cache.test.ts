// The results cache: an answer from the cache is the answer the queriers give, for many queries
// and alignments of start, end and step; the last max_cache_freshness_per_query is never cached;
// log queries keep only empty pieces; /series and /labels are cached; tenants never share an
// answer; `Cache-Control: no-cache` bypasses it. Two querier processes and one frontend.
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { frontendWithTwoQueriers, startTestNode } from '../../helpers/node.ts';
import { metricValue, pushJson, waitFor } from '../../helpers/loki.ts';
import { connectBus } from '../../../bus/index.ts';

const S = 1_000_000_000n;
const nowS = () => Math.floor(Date.now() / 1000);

interface CacheResult {
  entriesFound: number;
  entriesRequested: number;
  entriesStored: number;
  requests: number;
  bytesReceived: number;
  bytesSent: number;
}
interface Answer {
  status: number;
  data: { resultType: string; result: unknown[]; stats: { summary: Record<string, number>; cache: { result: CacheResult } } };
}

async function ask(url: string, path: string, params: Record<string, string>, opts: { tenant?: string; noCache?: boolean } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.tenant) headers['X-Scope-OrgID'] = opts.tenant;
  if (opts.noCache) headers['Cache-Control'] = 'no-cache';
  const res = await fetch(`${url}${path}?${new URLSearchParams(params)}`, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path} ${res.status}: ${text}`);
  return { status: res.status, data: JSON.parse(text).data };
}

/** Lines every 7 s over the last 3 h, for three pods, logfmt with a level and a latency. */
function corpus(endS: number, tenantSalt = 0) {
  const streams = [0, 1, 2].map((pod) => ({ stream: { app: 'c', pod: `p${pod}` }, values: [] as Array<[string, string]> }));
  for (let s = endS - 3 * 3600, k = 0; s < endS; s += 7, k++)
    for (const st of streams) {
      const i = k * 3 + Number(st.stream.pod.slice(1)) + tenantSalt;
      const level = i % 5 === 0 ? 'error' : i % 3 === 0 ? 'warn' : 'info';
      st.values.push([String(BigInt(s) * S + BigInt(i % 1000)), `level=${level} status=${i % 7 === 0 ? 500 : 200} latency=${(i % 97) / 10} msg="req ${i}"`]);
    }
  return { streams };
}

test('two queriers and a frontend: cached answers equal fresh ones; the newest minutes, tenants and no-cache stay apart', async (t) => {
  t.timeout(240_000);
  const nats = await startNats(t);
  const { url } = await frontendWithTwoQueriers(t, nats.url, { 'limits_config.ingestion_rate_mb': '100', 'limits_config.ingestion_burst_size_mb': '200' });

  const end = nowS();
  t.is((await pushJson(url, corpus(end))).status, 204);
  t.is((await pushJson(url, corpus(end, 1), { tenant: 'other' })).status, 204);

  // older than the 10 minutes of freshness: every piece is cacheable
  const old = { start: end - 3 * 3600 + 17, end: end - 15 * 60 - 3 };
  const queries: Array<{ query: string; step: number; start: number; end: number }> = [
    { query: 'sum(count_over_time({app="c"}[1m]))', step: 60, ...old },
    { query: 'sum by (level) (count_over_time({app="c"} | logfmt [5m]))', step: 97, ...old },
    { query: 'rate({app="c"} |= "status=500" [2m])', step: 30, start: end - 2 * 3600, end: end - 11 * 60 },
    { query: 'sum(bytes_over_time({app="c"}[10m]))', step: 300, start: end - 3 * 3600 - 301, end: end - 20 * 60 },
    { query: 'topk(2, sum by (pod) (count_over_time({app="c"}[15m])))', step: 45, ...old },
    { query: 'avg_over_time({app="c"} | logfmt | unwrap latency [5m]) by (pod)', step: 123, start: end - 100 * 60 - 1, end: end - 14 * 60 - 30 },
    { query: 'sum(count_over_time({app="c", pod="p1"} |~ "level=(warn|error)" [90s])) / 2', step: 20, start: end - 47 * 60, end: end - 33 * 60 },
  ];
  for (const q of queries) {
    const params = { query: q.query, start: String(q.start), end: String(q.end), step: String(q.step) };
    const fresh = await ask(url, '/loki/api/v1/query_range', params, { noCache: true });
    t.is(fresh.data.stats.cache.result.entriesRequested, 0, `${q.query}: no-cache asked the cache`);
    t.true(fresh.data.result.length > 0, `${q.query}: no data`);
    const first = await ask(url, '/loki/api/v1/query_range', params);
    const r1 = first.data.stats.cache.result;
    t.true(r1.entriesRequested > 0, q.query);
    t.is(r1.entriesStored, r1.entriesRequested - r1.entriesFound, `${q.query}: every piece missed was stored`);
    const second = await ask(url, '/loki/api/v1/query_range', params);
    const r2 = second.data.stats.cache.result;
    t.is(r2.entriesFound, r2.entriesRequested, `${q.query}: every piece came from the cache`);
    t.is(second.data.stats.summary.subqueries, 0, `${q.query}: a querier ran`);
    t.true(r2.bytesReceived > 0);
    t.deepEqual(first.data.result, fresh.data.result, `${q.query}: first answer`);
    t.deepEqual(second.data.result, fresh.data.result, `${q.query}: cached answer`);
  }

  // another tenant's same query is its own: computed from its data, not the first tenant's answer
  const same = { query: queries[1].query, start: String(queries[1].start), end: String(queries[1].end), step: String(queries[1].step) };
  const otherFresh = await ask(url, '/loki/api/v1/query_range', same, { tenant: 'other', noCache: true });
  const otherCached = await ask(url, '/loki/api/v1/query_range', same, { tenant: 'other' });
  t.is(otherCached.data.stats.cache.result.entriesFound, 0, 'a tenant found another tenant’s answers');
  t.deepEqual(otherCached.data.result, otherFresh.data.result);
  t.notDeepEqual(otherFresh.data.result, (await ask(url, '/loki/api/v1/query_range', same)).data.result);

  // the newest 10 minutes are never cached: a line pushed now shows in the next answer
  const recent = { query: 'sum(count_over_time({app="c"}[1m]))', start: String(end - 3600), end: String(end + 60), step: '60' };
  const total = (a: Answer) => (a.data.result as Array<{ values: Array<[number, string]> }>).flatMap((s) => s.values).reduce((n, v) => n + Number(v[1]), 0);
  const before = await ask(url, '/loki/api/v1/query_range', recent);
  const r = before.data.stats.cache.result;
  t.true(r.entriesRequested > 0 && r.entriesRequested < before.data.stats.summary.splits * 8, `${r.entriesRequested} pieces looked up`);
  t.is((await pushJson(url, { streams: [{ stream: { app: 'c', pod: 'p0' }, values: [[String(BigInt(nowS() - 5) * S), 'level=info late']] }] })).status, 204);
  const after = await ask(url, '/loki/api/v1/query_range', recent);
  t.is(total(after), total(before) + 1, 'the newest line is missing: a fresh piece came from the cache');

  // Loki's cache metrics on the frontend's /metrics
  t.true((await metricValue(url, 'loki_cache_hits', { name: 'frontend.results-cache' })) > 0);
  t.true((await metricValue(url, 'loki_cache_fetched_keys', { name: 'frontend.results-cache' })) >= (await metricValue(url, 'loki_cache_hits')));
});

test('log queries keep only their empty pieces; /series and /labels answers are cached', async (t) => {
  t.timeout(120_000);
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'limits_config.ingestion_rate_mb': '100', 'limits_config.ingestion_burst_size_mb': '200' });
  const end = nowS();
  t.is((await pushJson(url, corpus(end))).status, 204);
  const range = { start: String(end - 3 * 3600), end: String(end - 20 * 60) };

  const absent = { query: '{app="c"} |= "absent"', limit: '100', ...range };
  const a1 = await ask(url, '/loki/api/v1/query_range', absent);
  t.deepEqual(a1.data.result, []);
  t.true(a1.data.stats.cache.result.entriesStored > 0, 'empty pieces were not stored');
  const a2 = await ask(url, '/loki/api/v1/query_range', absent);
  t.deepEqual(a2.data.result, []);
  t.is(a2.data.stats.cache.result.entriesFound, a2.data.stats.cache.result.entriesRequested);
  t.is(a2.data.stats.summary.subqueries, 0);

  // pieces with entries are never kept: each answer is computed, and the same
  const errors = { query: '{app="c"} |= "level=error"', limit: '50', ...range };
  const e1 = await ask(url, '/loki/api/v1/query_range', errors);
  const e2 = await ask(url, '/loki/api/v1/query_range', errors);
  t.deepEqual(e2.data.result, e1.data.result);
  t.true(e2.data.stats.summary.subqueries > 0);
  t.is(e2.data.stats.cache.result.entriesFound, e1.data.stats.cache.result.entriesStored, 'a piece with entries came from the cache');

  const hits = () => metricValue(url, 'loki_cache_hits');
  for (const [path, params] of [
    ['/loki/api/v1/series', { 'match[]': '{app="c"}', ...range }],
    ['/loki/api/v1/labels', range],
    ['/loki/api/v1/label/pod/values', range],
  ] as const) {
    const first = await (await fetch(`${url}${path}?${new URLSearchParams(params)}`)).json();
    const h = await hits();
    const second = await (await fetch(`${url}${path}?${new URLSearchParams(params)}`)).json();
    t.deepEqual(second, first, path);
    t.is(await hits(), h + 1, `${path}: not answered from the cache`);
  }
  // a range reaching into the last 10 minutes is asked of the queriers every time
  const h = await hits();
  await fetch(`${url}/loki/api/v1/labels?${new URLSearchParams({ start: range.start, end: String(end) })}`);
  await fetch(`${url}/loki/api/v1/labels?${new URLSearchParams({ start: range.start, end: String(end) })}`);
  t.is(await hits(), h);
});

test('a full cache forgets its oldest answers rather than refusing new ones', async (t) => {
  const nats = await startNats(t);
  await startTestNode(t, nats.url, { 'query_range.results_cache.max_size_mb': '1' });
  const nc = await connectBus(nats.url, 'test');
  t.teardown(() => nc.close());
  const info = await (await nc.jetstreamManager()).streams.info('KV_muninn-results-cache');
  t.is(info.config.discard as string, 'old');
  t.is(info.config.max_bytes, 1024 * 1024);
});

test('with cache_results off the frontend never asks the bucket', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'query_range.cache_results': 'false' });
  const end = nowS();
  t.is((await pushJson(url, corpus(end))).status, 204);
  const params = { query: 'sum(count_over_time({app="c"}[1m]))', start: String(end - 3600), end: String(end - 1200), step: '60' };
  await ask(url, '/loki/api/v1/query_range', params);
  const again = await ask(url, '/loki/api/v1/query_range', params);
  t.is(again.data.stats.cache.result.entriesRequested, 0);
  await waitFor('metrics', async () => (await metricValue(url, 'loki_cache_fetched_keys')) === 0);
});
