// A client that goes away before its answer stops the query: the frontend puts no more of its
// pieces on the work queue (a 30-day query of thousands of pieces would otherwise keep the
// queriers busy for seconds after nobody waits for it).
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { frontendWithTwoQueriers } from '../../helpers/node.ts';
import { metricValue, pushJson, streamBody } from '../../helpers/loki.ts';

const DAY_S = 86_400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a query whose client disconnects puts no more pieces on the queue', async (t) => {
  t.timeout(120_000);
  const nats = await startNats(t);
  const { url } = await frontendWithTwoQueriers(t, nats.url);
  const nowS = Math.floor(Date.now() / 1000);
  t.is((await pushJson(url, streamBody({ app: 'x' }, [[String(BigInt(nowS - 60) * 1_000_000_000n), 'a']]))).status, 204);
  const placed = () => metricValue(url, 'muninn_frontend_subqueries_total');

  // 30 days in 30-minute pieces, 8 shards each: 11,520 pieces, several seconds of work
  const qs = new URLSearchParams({ query: 'sum(count_over_time({app="x"}[5m]))', start: String(nowS - 30 * DAY_S), end: String(nowS), step: '3600' });
  const client = new AbortController();
  const asked = fetch(`${url}/loki/api/v1/query_range?${qs}`, { signal: client.signal }).catch((err: Error) => err);
  await sleep(400);
  const before = await placed();
  t.true(before > 0, 'the query was running');
  client.abort();
  t.is(((await asked) as Error).name, 'AbortError');
  // the pieces in flight finish; then nothing more is placed
  await sleep(1500);
  const settled = await placed();
  await sleep(2000);
  const after = await placed();
  t.is(after, settled, `pieces still placed after the client went away: ${settled} -> ${after}`);
  t.true(after < 11_520 / 2, `${after} pieces of 11,520 ran`);
});
