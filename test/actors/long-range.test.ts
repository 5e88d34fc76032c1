import test from 'ava';
import { startNats } from '../helpers/nats.ts';
import { startTestNode } from '../helpers/node.ts';
import { get, pushJson, streamBody } from '../helpers/loki.ts';

const DAY_S = 86_400;

test('a 30-day metric query over sparse data answers with every point, and a range past max_query_length gets Loki\'s 400', async (t) => {
  t.timeout(120_000);
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'limits_config.reject_old_samples': 'false' });
  const nowS = Math.floor(Date.now() / 1000);
  // three lines ten days ago, two an hour ago, each a minute before an hourly step (steps align to
  // multiples of the step): hundreds of pieces, nearly all empty
  const at = (s: number, k: number) => String(BigInt(Math.floor(s / 3600) * 3600 - 60) * 1_000_000_000n + BigInt(k));
  const tenDays = nowS - 10 * DAY_S;
  t.is((await pushJson(url, streamBody({ app: 'x' }, [[at(tenDays, 0), 'a'], [at(tenDays, 1), 'b'], [at(tenDays, 2), 'c']]))).status, 204);
  t.is((await pushJson(url, streamBody({ app: 'x' }, [[at(nowS - 3600, 0), 'd'], [at(nowS - 3600, 1), 'e']]))).status, 204);

  const began = Date.now();
  const res = await get(url, '/loki/api/v1/query_range', {
    query: 'sum(count_over_time({app="x"}[5m]))',
    start: String(nowS - 30 * DAY_S),
    end: String(nowS),
    step: '3600',
  });
  const ms = Date.now() - began;
  const text = await res.text();
  t.is(res.status, 200, text.slice(0, 300));
  const body = JSON.parse(text) as { data: { result: Array<{ values: Array<[number, string]> }>; stats: { summary: { subqueries: number } } } };
  const points = body.data.result[0].values;
  // each group of lines falls in the window of exactly one hourly step
  t.deepEqual(points.map(([, v]) => v), ['3', '2']);
  // an hourly step is longer than the 30m split: one piece per step
  t.true(body.data.stats.summary.subqueries >= 720, `${body.data.stats.summary.subqueries} sub-queries`);
  t.log(`30 days, step 1h, ${body.data.stats.summary.subqueries} sub-queries: ${ms} ms`);

  const tooLong = await get(url, '/loki/api/v1/query_range', { query: 'sum(count_over_time({app="x"}[5m]))', start: String(nowS - 31 * DAY_S), end: String(nowS), step: '3600' });
  t.is(tooLong.status, 400);
  t.is((await tooLong.text()).trim(), 'the query time range exceeds the limit (query length: 744h0m0s, limit: 721h0m0s)');
});
