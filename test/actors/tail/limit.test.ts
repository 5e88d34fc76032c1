// limits_config.max_concurrent_tail_requests, per tenant across querier threads, with Loki's error.
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { waitFor } from '../../helpers/loki.ts';
import { activeTails, settle, tailClient } from '../../helpers/tail.ts';

test('max_concurrent_tail_requests counts a tenant\'s tails across querier threads and refuses one past it with Loki\'s error', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { 'querier.worker_threads': '2', 'limits_config.max_concurrent_tail_requests': '2' });
  const a1 = await tailClient(t, url, { query: '{app="a"}' }, 'team-a');
  await waitFor('one tail', async () => (await activeTails(url)) === 1);
  const a2 = await tailClient(t, url, { query: '{app="a"} |= "x"' }, 'team-a');
  await waitFor('two tails', async () => (await activeTails(url)) === 2);
  const a3 = await tailClient(t, url, { query: '{app="a"}' }, 'team-a');
  t.deepEqual(await a3.closed, { code: 1011, reason: 'rpc error: code = Code(400) desc = max concurrent tail requests limit exceeded, count > limit (3 > 2)' });

  // another tenant has a limit of its own
  const b = await tailClient(t, url, { query: '{app="a"}' }, 'team-b');
  await settle(b, url, { app: 'a' }, 'team-b tails', 'team-b');
  await a2.close();
  await waitFor('a tail of team-a to end', async () => (await activeTails(url)) === 2);
  const again = await tailClient(t, url, { query: '{app="a"}' }, 'team-a');
  await settle(again, url, { app: 'a' }, 'room again', 'team-a');
  await settle(a1, url, { app: 'a' }, 'the first still tails', 'team-a');
});
