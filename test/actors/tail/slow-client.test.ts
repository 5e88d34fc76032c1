// A client that does not read its tail: once the gateway holds 4 MiB unsent for it, entries are
// dropped and named in dropped_entries of the next response it gets, as Loki drops for a slow client.
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { unlimited } from '../../helpers/load.ts';
import { ONE_THREAD, activeTails, nsAgo, push, settle, tailClient } from '../../helpers/tail.ts';
import { waitFor } from '../../helpers/loki.ts';

const LINES = 3000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a client that stops reading loses entries, named in the dropped_entries of the next response it reads', async (t) => {
  t.timeout(120_000);
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, { ...ONE_THREAD, ...unlimited });
  const c = await tailClient(t, url, { query: '{app="slow"}' });
  await waitFor('the tail to be held', async () => (await activeTails(url)) === 1);
  // the client reads nothing from here: the kernel's buffers fill, then the gateway's
  const socket = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  socket.pause();
  const pad = 'x'.repeat(10_000);
  for (let k = 0; k < 10; k++) await push(url, { app: 'slow' }, Array.from({ length: LINES / 10 }, (_, i): [string, string] => [nsAgo(0), `${k * (LINES / 10) + i} ${pad}`]));
  // long enough for 30 MB to reach the gateway (it takes about one second), which is no assert
  await sleep(5000);
  socket.resume();
  await settle(c, url, { app: 'slow' }, 'after');
  const got = c.lines().filter((l) => l !== 'after').map((l) => Number(l.split(' ')[0]));
  const dropped = c.messages.flatMap((m) => m.dropped_entries ?? []);
  t.log(`received ${got.length}, named as dropped ${dropped.length}, of ${LINES}`);
  t.true(dropped.length > 0, 'nothing was dropped');
  t.true(got.length + dropped.length <= LINES);
  t.deepEqual(got, [...got].sort((a, b) => a - b), 'what arrived, in order');
  t.true(dropped.every((d) => d.labels?.app === 'slow'));
});
