// A tail's bounded buffer: what it cannot hold is dropped and named in dropped_entries, as Loki does.
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { waitFor } from '../../helpers/loki.ts';
import { ONE_THREAD, activeTails, push, settle, tailClient } from '../../helpers/tail.ts';

test('entries a tail cannot hold are dropped and named in dropped_entries, and frames hold at most 100 entries', async (t) => {
  t.timeout(120_000);
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, ONE_THREAD);
  const c = await tailClient(t, url, { query: '{app="flood"}', delay_for: '5' });
  await waitFor('the tail to be held', async () => (await activeTails(url)) === 1);
  // more than the tail holds (10,000) within its 5 s delay, in one push
  const base = BigInt(Date.now()) * 1_000_000n;
  const values: Array<[string, string]> = Array.from({ length: 10_500 }, (_, i) => [String(base + BigInt(i)), `flood ${i}`]);
  await push(url, { app: 'flood' }, values);
  await c.until('the held entries', (x) => x.entries().length >= 10_000, 60_000);
  await settle(c, url, { app: 'flood' }, 'after the flood');
  const lines = c.lines();
  t.is(lines.length, 10_001);
  t.deepEqual(lines.slice(0, 3), ['flood 0', 'flood 1', 'flood 2'], 'the first arrivals are kept, in order');
  const dropped = c.messages.flatMap((m) => m.dropped_entries ?? []);
  t.is(dropped.length, 500);
  t.deepEqual(dropped[0], { timestamp: values[10_000][0], labels: { app: 'flood' } });
  t.true(c.messages.every((m) => (m.streams ?? []).reduce((n, s) => n + s.values.length, 0) <= 100));
});
