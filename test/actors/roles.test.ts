import test from 'ava';
import { join } from 'node:path';
import { Members, connectBus } from '../../bus/index.ts';
import { startNats } from '../helpers/nats.ts';
import { startTestNode, tempDir } from '../helpers/node.ts';
import { flatten, pushJson, queryRange, streamBody } from '../helpers/loki.ts';

test('roles in separate nodes find each other over NATS: every member is listed, and queries reach the ingester', async (t) => {
  const nats = await startNats(t);
  const store = join(await tempDir(t), 'store');
  const shared = { 'storage_config.filesystem.directory': store };
  await startTestNode(t, nats.url, { ...shared, target: 'ingester' });
  await startTestNode(t, nats.url, { ...shared, target: 'querier' });
  await startTestNode(t, nats.url, { ...shared, target: 'querier' });
  const { url } = await startTestNode(t, nats.url, { ...shared, target: 'gateway,distributor,frontend' });

  const nc = await connectBus(nats.url, 'test');
  t.teardown(() => nc.close());
  const members = await (await Members.open(nc)).list();
  t.deepEqual(members.map((m) => m.roles.join(',')).sort(), ['gateway,distributor,frontend', 'ingester', 'querier', 'querier']);

  const ts = String(BigInt(Date.now()) * 1_000_000n);
  t.is((await pushJson(url, streamBody({ job: 'split' }, [[ts, 'across processes']]))).status, 204);
  t.deepEqual(flatten(await queryRange(url, { query: '{job="split"}', since: '5m' })), [`${ts} across processes`]);
  t.is((await fetch(`${url}/ready`)).status, 200);
});
