import test from 'ava';
import { startPrivateNatsCluster } from '../../scripts/nats-server.ts';
import { flatten, pushJson, queryRange, streamBody } from '../helpers/loki.ts';
import { startTestNode } from '../helpers/node.ts';

test('a node started while its NATS servers are still electing their JetStream leader waits for it instead of failing, and serves pushes and queries', async (t) => {
  t.timeout(120_000);
  const cluster = await startPrivateNatsCluster(3, { electing: true });
  t.teardown(() => cluster.stop());
  const { url } = await startTestNode(t, cluster.url, { 'nats.replicas': '3' });
  const ts = String(BigInt(Date.now()) * 1_000_000n);
  t.is((await pushJson(url, streamBody({ job: 'election' }, [[ts, 'after the election']]))).status, 204);
  const got = await queryRange(url, { query: '{job="election"}', since: '5m' });
  t.deepEqual(flatten(got), [`${ts} after the election`]);
});
