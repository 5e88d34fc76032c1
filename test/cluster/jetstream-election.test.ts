import test from 'ava';
import { connect } from 'nats';
import { streams } from '../../bus/subjects.ts';
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

test('a query asked the moment the NATS server leading the query work queue is killed waits out the election and answers, not 504', async (t) => {
  t.timeout(120_000);
  const cluster = await startPrivateNatsCluster(3);
  t.teardown(() => cluster.stop());
  const { url } = await startTestNode(t, cluster.url, { 'nats.replicas': '3' });
  const ts = String(BigInt(Date.now()) * 1_000_000n);
  t.is((await pushJson(url, streamBody({ job: 'leaderless' }, [[ts, 'before the leader went']]))).status, 204);
  t.deepEqual(flatten(await queryRange(url, { query: '{job="leaderless"}', since: '5m' })), [`${ts} before the leader went`]);

  const nc = await connect({ servers: cluster.url.split(',') });
  const leader = (await (await nc.jetstreamManager()).streams.info(streams.queryTasks)).cluster?.leader;
  await nc.close();
  const server = cluster.servers[Number(/^n(\d+)$/.exec(leader ?? '')?.[1]) - 1];
  t.truthy(server, `the work queue's leader (${leader}) is one of the three servers`);
  await server.kill();
  const killed = Date.now();
  // several at once, so that at least one is put on the queue while it has no leader
  const answers = await Promise.all(Array.from({ length: 8 }, () => queryRange(url, { query: '{job="leaderless"}', since: '5m' })));
  t.log(`answered ${Date.now() - killed} ms after the work queue's leader was killed`);
  for (const got of answers) t.deepEqual(flatten(got), [`${ts} before the leader went`]);
});
