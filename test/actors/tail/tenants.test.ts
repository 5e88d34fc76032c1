// Tenant isolation of live tails.
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { waitFor } from '../../helpers/loki.ts';
import { ONE_THREAD, activeTails, nsAgo, push, settle, tailClient } from '../../helpers/tail.ts';

test("a tail of one tenant never sees another tenant's lines", async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, ONE_THREAD);
  const red = await tailClient(t, url, { query: '{job="shared"}' }, 'red');
  const blue = await tailClient(t, url, { query: '{job="shared"}' }, 'blue');
  const plain = await tailClient(t, url, { query: '{job="shared"}' });
  await waitFor('three tails', async () => (await activeTails(url)) === 3);
  await push(url, { job: 'shared' }, [[nsAgo(0), 'red secret']], 'red');
  await push(url, { job: 'shared' }, [[nsAgo(0), 'blue secret']], 'blue');
  await push(url, { job: 'shared' }, [[nsAgo(0), 'no header']]);
  await settle(red, url, { job: 'shared' }, 'red done', 'red');
  await settle(blue, url, { job: 'shared' }, 'blue done', 'blue');
  await settle(plain, url, { job: 'shared' }, 'fake done');
  t.deepEqual(red.lines(), ['red secret', 'red done']);
  t.deepEqual(blue.lines(), ['blue secret', 'blue done']);
  t.deepEqual(plain.lines(), ['no header', 'fake done'], 'no header is tenant fake');
});
