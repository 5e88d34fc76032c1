// max_outstanding_per_tenant, as Loki's frontend has it: a tenant whose sub-queries on the queue
// and not yet answered would pass it gets 429 "too many outstanding requests", counted in
// loki_query_frontend_discarded_requests_total; another tenant is still served meanwhile, and once
// answered the tenant's count is free again (the refused queries' pieces still out are dropped, not
// tried again for subquery_timeout).
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { get, metricValue, pushJson } from '../../helpers/loki.ts';

test('a tenant past max_outstanding_per_tenant gets 429 while another tenant is served', async (t) => {
  t.timeout(120_000);
  const nats = await startNats(t);
  // 8 shards a metric query: 8 sub-queries outstanding at once fit, 9 do not
  const { url } = await startTestNode(t, nats.url, { auth_enabled: 'true', 'frontend.max_outstanding_per_tenant': '8' });
  const ts = BigInt(Date.now()) * 1_000_000n;
  for (const tenant of ['busy', 'quiet']) {
    const streams = Array.from({ length: 20 }, (_, p) => ({ stream: { job: 'x', pod: `p${p}` }, values: [[String(ts), `line of ${tenant}`]] }));
    t.is((await pushJson(url, { streams }, { tenant })).status, 204);
  }
  const query = (tenant: string, q = 'sum(count_over_time({job="x"}[1h]))') =>
    get(url, '/loki/api/v1/query_range', { query: q, start: String(ts), end: String(ts + 1_000_000_000n), step: '60' }, tenant);

  // one query's 8 sub-queries fit
  t.is((await query('busy')).status, 200);
  // many at once do not: some are refused, with Loki's status and text
  const busy = Array.from({ length: 8 }, () => query('busy'));
  await new Promise((r) => setTimeout(r, 20));
  const quiet = await query('quiet');
  const answers = await Promise.all(busy);
  const refused = answers.filter((r) => r.status === 429);
  t.true(refused.length > 0, `statuses ${answers.map((r) => r.status).join(',')}`);
  t.true(answers.every((r) => r.status === 200 || r.status === 429), `statuses ${answers.map((r) => r.status).join(',')}`);
  t.regex(await refused[0].text(), /too many outstanding requests/);
  // the other tenant's sub-queries are its own count
  t.is(quiet.status, 200, await quiet.clone().text());
  t.deepEqual(((await quiet.json()) as { data: { result: Array<{ values: Array<[number, string]> }> } }).data.result.map((s) => s.values[0][1]), ['20']);
  t.is(await metricValue(url, 'loki_query_frontend_discarded_requests_total', { tenant: 'busy' }), refused.length);
  t.is(await metricValue(url, 'loki_query_frontend_discarded_requests_total', { tenant: 'quiet' }), 0);
  // answered, the busy tenant's sub-queries are free again
  t.is((await query('busy')).status, 200);
});
