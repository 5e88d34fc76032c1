// One tenant flooding the frontend cannot starve another: its pieces wait at the frontend in a
// queue of its own, tenants are served in turn, and only a few pieces are on the work queue at
// once. Without that, a second tenant's pieces would wait behind every piece the first has
// placed (here over a thousand).
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { frontendWithTwoQueriers } from '../../helpers/node.ts';
import { metricValue, pushJson, streamBody } from '../../helpers/loki.ts';

const DAY_S = 86_400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a tenant's query is answered while another tenant's queries fill the queue", async (t) => {
  t.timeout(120_000);
  const nats = await startNats(t);
  const { url } = await frontendWithTwoQueriers(t, nats.url);
  const nowS = Math.floor(Date.now() / 1000);
  const ts = String(BigInt(nowS - 60) * 1_000_000_000n);
  t.is((await pushJson(url, streamBody({ app: 'x' }, [[ts, 'a']]), { tenant: 'flood' })).status, 204);
  t.is((await pushJson(url, streamBody({ app: 'y' }, [[ts, 'b']]), { tenant: 'calm' })).status, 204);
  const answered = () => metricValue(url, 'muninn_frontend_subqueries_total', { outcome: 'ok' });
  const headers = (tenant: string) => ({ 'X-Scope-OrgID': tenant, 'Cache-Control': 'no-cache' });

  // 40 queries of 30 days in 8 shards: 40 x 32 pieces outstanding at once (max_query_parallelism)
  const flood = new AbortController();
  const floodQs = new URLSearchParams({ query: 'sum(count_over_time({app="x"}[5m]))', start: String(nowS - 30 * DAY_S), end: String(nowS), step: '3600' });
  const floods = Array.from({ length: 40 }, () =>
    fetch(`${url}/loki/api/v1/query_range?${floodQs}`, { headers: headers('flood'), signal: flood.signal }).then(
      (r) => r.status,
      () => 'aborted',
    ),
  );
  let floodsDone = 0;
  for (const f of floods) void f.then(() => floodsDone++);
  await sleep(1500);
  t.true((await answered()) > 0, 'the flood is being answered');

  const before = await answered();
  const calmQs = new URLSearchParams({ query: 'sum(count_over_time({app="y"}[5m]))', start: String(nowS - 3600), end: String(nowS), step: '60' });
  const res = await fetch(`${url}/loki/api/v1/query_range?${calmQs}`, { headers: headers('calm') });
  const during = (await answered()) - before;
  t.is(res.status, 200);
  const body = (await res.json()) as { data: { result: Array<{ values: Array<[number, string]> }>; stats: { summary: { subqueries: number } } } };
  const points = body.data.result.flatMap((s) => s.values);
  t.true(points.length > 0 && points.every((v) => v[1] === '1'), 'the calm tenant sees its one line, and only it');
  t.is(floodsDone, 0, 'the flood ended before the calm query: nothing was starved');
  // its own pieces, the few in flight when it came, and about one of the flood's per piece of its own
  const own = body.data.stats.summary.subqueries;
  t.true(during < own * 2 + 100, `${during} pieces were answered while the calm tenant's ${own} waited`);
  flood.abort();
  await Promise.all(floods);
});
