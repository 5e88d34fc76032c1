// A sub-query can be lost between NATS and a querier: a pull the client gave up on while its
// thread was busy still gets a task, which the client then drops. JetStream delivers such a task
// again once it is neither answered nor reported in work, so the query answers within seconds,
// without the frontend's retry after subquery_timeout.
import test from 'ava';
import { connect } from 'nats';
import { streams } from '../../../bus/subjects.ts';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { flatten, metricValue, pushJson, queryRange, streamBody } from '../../helpers/loki.ts';

test('a task a querier took and dropped is delivered again to another querier, and the query answers without the frontend retrying', async (t) => {
  t.timeout(50_000);
  const nats = await startNats(t);
  // no querier yet: the only one pulling tasks is the one that will drop it
  const { url } = await startTestNode(t, nats.url, { target: 'gateway,distributor,ingester,frontend', 'frontend.subquery_timeout': '60s', 'querier.query_timeout': '2m' });
  const ts = String(BigInt(Date.now()) * 1_000_000n);
  t.is((await pushJson(url, streamBody({ job: 'lost' }, [[ts, 'asked twice']]))).status, 204);

  const nc = await connect({ servers: nats.url });
  t.teardown(() => nc.close());
  const dropper = await nc.jetstream().consumers.get(streams.queryTasks, 'queriers');
  const taken = dropper.next({ expires: 20_000 });
  const answer = queryRange(url, { query: '{job="lost"}', since: '5m', limit: '10' });
  t.truthy(await taken, 'the dropping client got the task (and neither answers nor acks it)');

  await startTestNode(t, nats.url, { target: 'querier' });
  t.deepEqual(flatten(await answer), [`${ts} asked twice`]);
  t.is(await metricValue(url, 'muninn_frontend_subqueries_total', { outcome: 'retried' }), 0, 'the frontend did not have to put it again');
});
