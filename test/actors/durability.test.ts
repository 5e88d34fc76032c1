import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import test from 'ava';
import { startNats } from '../helpers/nats.ts';
import { spawnNode, tempDir } from '../helpers/node.ts';
import { pushJson, queryRange, waitFor } from '../helpers/loki.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a node killed with SIGKILL while a client pushes steadily loses no acknowledged line and doubles none', async (t) => {
  t.timeout(120_000);
  const nats = await startNats(t);
  const dataDir = await tempDir(t);
  // short chunk periods, so that flushes and checkpoints happen during the run and the replay must skip them
  const flags = { 'ingester.chunk_idle_period': '300ms', 'ingester.max_chunk_age': '1s', 'ingester.flush_check_period': '100ms', 'distributor.partitions': '4', 'limits_config.max_entries_limit_per_query': '0' };
  let node = await spawnNode(t, nats.url, dataDir, flags);
  const first = node;
  let url = node.url;
  const acked: string[] = [];
  const t0 = BigInt(Date.now()) * 1_000_000n;
  let seq = 0;
  let pushing = true;

  // three clients, each pushing batches of five lines over five streams, as fast as acks come back
  const client = async (c: number) => {
    while (pushing) {
      const lines = Array.from({ length: 5 }, () => `client=${c} seq=${seq++}`);
      const body = {
        streams: lines.map((l, k) => ({ stream: { job: 'steady', client: String(c), shard: String(k) }, values: [[String(t0 + BigInt(seq * 10 + k)), l]] })),
      };
      try {
        const res = await pushJson(url, body);
        if (res.status === 204) acked.push(...lines);
        await sleep(20);
      } catch {
        await sleep(50); // the node is down: try again, as a client would
      }
    }
  };
  const clients = [0, 1, 2].map(client);

  await sleep(2500);
  const beforeKill = acked.length;
  node.kill();
  await node.exited;
  await sleep(500);
  node = await spawnNode(t, nats.url, dataDir, flags);
  url = node.url;
  await waitFor('the restarted node to be ready', async () => (await fetch(`${url}/ready`)).status === 200, 30_000);
  await sleep(1500);
  pushing = false;
  await Promise.all(clients);
  t.true(beforeKill > 50, `pushes before the kill: ${beforeKill}`);
  t.true(acked.length > beforeKill, 'pushes after the restart');

  const got = await queryRange(url, { query: '{job="steady"}', start: String(t0 - 1_000_000_000n), end: String(BigInt(Date.now()) * 1_000_000n + 60_000_000_000n), limit: '100000', direction: 'forward' });
  const lines = got.result.flatMap((s) => s.values.map(([, l]) => l));
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
  const doubled = [...counts].filter(([, n]) => n > 1);
  const lost = acked.filter((l) => !counts.has(l));
  if (lost.length) {
    // it failed once in a full run under load (the first entries of three streams): say what the nodes logged and what the store holds
    const quiet = (out: string) => out.split('\n').filter((l) => l && !l.includes('"level":30')).slice(-40).join('\n');
    t.log(`before the kill:\n${quiet(first.output())}\nafter:\n${quiet(node.output())}`);
    t.log(`store: ${(await listFiles(join(dataDir, 'store'))).join(', ')}`);
    const streams = await queryRange(url, { query: '{job="steady"}', start: String(t0 - 1_000_000_000n), end: String(t0 + 1_000_000_000n), limit: '50', direction: 'forward' });
    t.log(`the first second, forward: ${JSON.stringify(streams.result.map((s) => [s.stream, s.values.slice(0, 3)]))}`);
  }
  t.deepEqual(doubled, [], 'no line shown twice');
  t.deepEqual(lost, [], 'no acknowledged line lost');
  t.log(`acknowledged ${acked.length} lines (${beforeKill} before the kill); returned ${lines.length}`);
});

/** Every file under `dir`, relative to it. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)));
}
