import test from 'ava';
import { startNats } from '../helpers/nats.ts';
import { startTestNode } from '../helpers/node.ts';
import { flatten, get, pushJson, queryRange, streamBody, waitFor, metricValue } from '../helpers/loki.ts';

const now = () => String(BigInt(Date.now()) * 1_000_000n);
const lines = (d: Awaited<ReturnType<typeof queryRange>>) => flatten(d).map((l) => l.split(' ').slice(1).join(' '));

test('two tenants never see each other\'s data, in memory or in the store', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'ingester.chunk_idle_period': '1s', 'ingester.flush_check_period': '100ms', 'ingester.chunk_retain_period': '0s' });
  t.is((await pushJson(url, streamBody({ job: 'shared-name', team: 'red' }, [[now(), 'red secret']]), { tenant: 'red' })).status, 204);
  t.is((await pushJson(url, streamBody({ job: 'shared-name', team: 'blue' }, [[now(), 'blue secret']]), { tenant: 'blue' })).status, 204);
  t.is((await pushJson(url, streamBody({ job: 'shared-name' }, [[now(), 'no header']]))).status, 204);

  const check = async () => {
    t.deepEqual(lines(await queryRange(url, { query: '{job="shared-name"}', since: '5m' }, 'red')), ['red secret']);
    t.deepEqual(lines(await queryRange(url, { query: '{job="shared-name"}', since: '5m' }, 'blue')), ['blue secret']);
    t.deepEqual(lines(await queryRange(url, { query: '{job="shared-name"}', since: '5m' })), ['no header'], 'no header is tenant fake');
    t.deepEqual(lines(await queryRange(url, { query: '{job="shared-name"}', since: '5m' }, 'fake')), ['no header']);
    t.deepEqual(lines(await queryRange(url, { query: '{job="shared-name"}', since: '5m' }, 'green')), []);
    const values = (await (await get(url, '/loki/api/v1/label/team/values', { since: '5m' }, 'red')).json()) as { data: string[] };
    t.deepEqual(values.data, ['red']);
  };
  await check();
  await waitFor('all three streams to flush', async () => (await metricValue(url, 'loki_ingester_chunks_flushed_total')) >= 3);
  await waitFor('memory to empty', async () => (await metricValue(url, 'loki_ingester_memory_streams')) === 0);
  await check();
});

test('with auth_enabled a request without X-Scope-OrgID gets 401 "no org id"', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { auth_enabled: 'true' });
  const push = await pushJson(url, streamBody({ job: 'x' }, [[now(), 'x']]));
  t.is(push.status, 401);
  t.is((await push.text()).trim(), 'no org id');
  const query = await get(url, '/loki/api/v1/query_range', { query: '{job="x"}' });
  t.is(query.status, 401);
  t.is((await pushJson(url, streamBody({ job: 'x' }, [[now(), 'x']]), { tenant: 'team-a' })).status, 204);
  t.deepEqual(lines(await queryRange(url, { query: '{job="x"}', since: '5m' }, 'team-a')), ['x']);
});
