// A tail whose client goes away is let go of by its querier, and ingesters stop publishing its tenant.
import test from 'ava';
import { connect } from 'nats';
import { subjects } from '../../../bus/index.ts';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { queryRange, waitFor } from '../../helpers/loki.ts';
import { ONE_THREAD, activeTails, nsAgo, push, settle, tailClient } from '../../helpers/tail.ts';

test('a client that disconnects ends its tail: the querier lets go of it and ingesters stop publishing the tenant', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, ONE_THREAD);
  const bus = await connect({ servers: nats.url });
  t.teardown(() => bus.close());
  let published = 0;
  bus.subscribe(subjects.tail('fake'), { callback: () => published++ });
  await bus.flush();

  await push(url, { app: 'gone' }, [[nsAgo(0), 'before any tail']]);
  const c = await tailClient(t, url, { query: '{app="gone"}', limit: '1' });
  await waitFor('the tail to be held', async () => (await activeTails(url)) === 1);
  await c.until('the history', (x) => x.lines().includes('before any tail'));
  t.is(published, 0, 'nothing was published before anyone tailed the tenant');
  await settle(c, url, { app: 'gone' }, 'while tailed');
  t.true(published > 0, 'the ingester published the tailed tenant');

  await c.close();
  await waitFor('the querier to let go of the tail', async () => (await activeTails(url)) === 0);
  const before = published;
  await push(url, { app: 'gone' }, [[nsAgo(0), 'after the client left']]);
  await waitFor('the ingester to hold the line', async () => (await queryRange(url, { query: '{app="gone"}', since: '5m' })).result.some((s) => s.values.some(([, l]) => l === 'after the client left')));
  await bus.flush();
  t.is(published, before, 'the ingester published a tenant nobody tails any more');
});
