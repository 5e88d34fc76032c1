import test from 'ava';
import { startNats } from '../helpers/nats.ts';
import { spawnNode, tempDir } from '../helpers/node.ts';
import { readBack, startLoad, unlimited } from '../helpers/load.ts';
import { freePort } from '../../scripts/nats-server.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const flags = unlimited;

test('a node SIGKILLed under full-speed load over a backlog of a million lines replays it, becomes ready, and returns every acknowledged line once', async (t) => {
  t.timeout(420_000);
  const nats = await startNats(t);
  const dataDir = await tempDir(t);
  let node = await spawnNode(t, nats.url, dataDir, flags);
  const load = startLoad(t, { url: () => node.url, job: 'backlog' });
  // default chunk periods: nothing is flushed, so everything acknowledged is backlog in the log
  while (load.ackedLines() < 1_000_000) await sleep(200);
  node.kill();
  await node.exited;
  const backlog = load.ackedLines();
  await load.stop();
  t.true(backlog >= 1_000_000, `acknowledged before the kill: ${backlog}`);

  const began = Date.now();
  // /ready is asked from the moment the port listens, before the node's roles have all started
  // (its querier threads take seconds to start, and the replay may be over by then)
  const port = await freePort();
  const spawning = spawnNode(t, nats.url, dataDir, { ...flags, 'server.http_listen_port': String(port) });
  // until the replay has caught up, /ready says why, naming the partitions and their lag
  let sawReplaying = '';
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
    const text = (await res?.text()) ?? 'not listening yet';
    if (res?.status === 200) break;
    if (/replaying the ingest log, \d+ partitions behind/.test(text)) sawReplaying = text;
    if (Date.now() - began > 300_000) t.fail(`not ready after 300 s: ${text}`);
    await sleep(100);
  }
  node = await spawning;
  const readyMs = Date.now() - began;
  t.log(`replayed ${backlog} acknowledged lines (${Math.round((backlog * 200) / 1e6)} MB of lines); ready ${readyMs} ms after the restart`);
  t.truthy(sawReplaying, '/ready answered 503 with the replay lag while it caught up');

  const { lost, doubled, returned } = await readBack(node.url, load, 'backlog');
  t.deepEqual(lost.slice(0, 10), [], `lost ${lost.length} acknowledged lines`);
  t.deepEqual(doubled.slice(0, 10), [], `${doubled.length} lines shown twice`);
  t.true(returned >= backlog);
});
