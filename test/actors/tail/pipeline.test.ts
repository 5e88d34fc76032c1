// A live tail sends its history first, then the live lines its pipeline keeps, with their labels.
import test from 'ava';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode } from '../../helpers/node.ts';
import { ONE_THREAD, nsAgo, push, settle, tailClient } from '../../helpers/tail.ts';

test('a tail sends the newest `limit` entries from start, then only the live lines its pipeline keeps, with their final labels', async (t) => {
  const nats = await startNats(t);
  const { url } = await startTestNode(t, nats.url, ONE_THREAD);
  const third = nsAgo(3000);
  await push(url, { app: 'x' }, [
    [nsAgo(2 * 3600_000), 'ancient keep level=error n=0'],
    [nsAgo(5000), 'old keep level=error n=1'],
    [nsAgo(4000), 'old keep level=info n=2'],
    [third, 'old keep level=error n=3'],
    [nsAgo(2000), 'old keep level=error n=4'],
    [nsAgo(1000), 'old drop level=error n=5'],
  ]);
  await push(url, { app: 'y' }, [[nsAgo(1500), 'y keep level=error n=9']]);

  const query = '{app="x"} |= "keep" | logfmt | level="error"';
  const c = await tailClient(t, url, { query, limit: '2' });
  await c.until('the history', (x) => x.lines().length >= 2);
  t.deepEqual(c.lines(), ['old keep level=error n=3', 'old keep level=error n=4'], 'the newest two of the last hour, oldest first');

  await push(url, { app: 'x' }, [
    [nsAgo(0), 'live keep level=error n=6'],
    [nsAgo(0), 'live keep level=warn n=7'],
    [nsAgo(0), 'live drop level=error n=8'],
  ]);
  await push(url, { app: 'y' }, [[nsAgo(0), 'live keep level=error n=10']]);
  await settle(c, url, { app: 'x' }, 'sentinel keep level=error');
  t.deepEqual(c.lines(), ['old keep level=error n=3', 'old keep level=error n=4', 'live keep level=error n=6', 'sentinel keep level=error']);
  t.deepEqual(c.entries()[2].labels, { app: 'x', keep: '', level: 'error', live: '', n: '6' }, "the pipeline's labels, as Loki's tail gives them");
  t.true(c.messages.every((m) => m.dropped_entries === undefined), 'dropped_entries is left out when nothing was dropped, as Loki does');

  // an explicit start bounds the history
  const from = await tailClient(t, url, { query, start: third, limit: '100' });
  await from.until('the history from start', (x) => x.lines().includes('sentinel keep level=error'));
  t.deepEqual(from.lines(), ['old keep level=error n=3', 'old keep level=error n=4', 'live keep level=error n=6', 'sentinel keep level=error']);
});
