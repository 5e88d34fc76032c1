import test from 'ava';
import { startNats } from '../helpers/nats.ts';
import { spawnNode, tempDir } from '../helpers/node.ts';
import { metricValue, pushJson, queryRange, streamBody, waitFor } from '../helpers/loki.ts';
import { readBack, startLoad, unlimited } from '../helpers/load.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => String(BigInt(Date.now()) * 1_000_000n);

const flags = { ...unlimited, 'ingester_client.remote_timeout': '2s' };

test('nats-server SIGKILLed mid-push and started again: everything acknowledged, before and after, is read back once, and the node says so in its log', async (t) => {
  t.timeout(240_000);
  const nats = await startNats(t);
  const node = await spawnNode(t, nats.url, await tempDir(t), flags);
  const load = startLoad(t, { url: () => node.url, job: 'outage', streams: 50, batchLines: 500, concurrency: 4 });
  await sleep(4000);
  const before = load.ackedLines();
  await nats.kill();
  await sleep(3000);
  await nats.restart();
  // the node's consumers must resume by themselves: pushes after the restart become readable
  await sleep(5000);
  await load.stop();
  const after = load.ackedLines() - before;
  t.true(before > 0 && after > 0, `acknowledged ${before} lines before the kill and ${after} after`);
  await waitFor('the node to be ready again', async () => (await fetch(`${node.url}/ready`)).status === 200, 60_000);

  const { lost, doubled, returned } = await readBack(node.url, load, 'outage');
  t.log(`acknowledged ${load.ackedLines()} lines; returned ${returned}; refused pushes: ${JSON.stringify(Object.fromEntries(load.refusals))}`);
  t.deepEqual(lost.slice(0, 10), [], `lost ${lost.length} acknowledged lines`);
  t.deepEqual(doubled.slice(0, 10), [], `${doubled.length} lines shown twice`);
  t.regex(node.output(), /NATS connection lost; reconnecting/);
  t.regex(node.output(), /NATS connection restored/);
});

test('a push during a NATS outage longer than its timeout answers 503 and is counted; pushes work again once NATS is back', async (t) => {
  t.timeout(120_000);
  const nats = await startNats(t);
  const node = await spawnNode(t, nats.url, await tempDir(t), flags);
  await waitFor('the node ready', async () => (await fetch(`${node.url}/ready`)).status === 200, 60_000);
  t.is((await pushJson(node.url, streamBody({ job: 'down' }, [[now(), 'before']]))).status, 204);
  await nats.kill();
  const began = Date.now();
  const res = await pushJson(node.url, streamBody({ job: 'down' }, [[now(), 'during']]));
  const waited = Date.now() - began;
  t.is(res.status, 503, await res.text());
  t.true(waited < 10_000, `the push waited ${waited} ms, about its 2 s timeout`);
  t.true((await metricValue(node.url, 'loki_distributor_ingester_append_failures_total')) >= 1);
  t.is((await fetch(`${node.url}/ready`)).status, 200, 'briefly unreachable NATS does not make the node unready at once');

  await nats.restart();
  await waitFor('pushes to be acknowledged again', async () => (await pushJson(node.url, streamBody({ job: 'down' }, [[now(), 'after']]))).status === 204, 30_000);
  // the reader pulls again as soon as the connection is back, not when its lost pull times out
  const pushed = Date.now();
  await waitFor('a line pushed after the outage to be readable', async () => {
    const got = await queryRange(node.url, { query: '{job="down"}', start: String(BigInt(pushed - 600_000) * 1_000_000n), end: now(), limit: '100' });
    return got.result.some((s) => s.values.some(([, l]) => l === 'after'));
  }, 30_000);
  t.log(`readable ${Date.now() - pushed} ms after it was acknowledged`);
  t.notRegex(node.output(), /a pull request got no answer/);
});
