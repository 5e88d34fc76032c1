// delay_for holds entries by their timestamps, as Loki's tailer does.
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { waitFor } from '../../helpers/loki.ts';
import { ONE_THREAD, activeTails, push, tailClient } from '../../helpers/tail.ts';

test('delay_for holds each entry until it is that old, so one that arrives late still goes out in time order', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, ONE_THREAD);
  const c = await tailClient(t, url, { query: '{app="late"}', delay_for: '2' });
  await waitFor('the tail to be held', async () => (await activeTails(url)) === 1);
  const first = Date.now();
  await push(url, { app: 'late' }, [[String(BigInt(first) * 1_000_000n), 'pushed first']]);
  await push(url, { app: 'late' }, [[String(BigInt(first - 1000) * 1_000_000n), 'pushed second, a second older']]);
  await c.until('both lines', (x) => x.lines().length === 2);
  t.deepEqual(c.lines(), ['pushed second, a second older', 'pushed first']);
  const sentAt = c.arrivals[c.messages.findIndex((m) => m.streams?.some((s) => s.values.some(([, l]) => l === 'pushed first')))];
  t.true(sentAt >= first + 2000, `the entry of ${first} arrived at ${sentAt}, before it was 2 s old`);
});
