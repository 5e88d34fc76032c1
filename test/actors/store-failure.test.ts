import test from 'ava';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Checkpoints, connectBus } from '../../bus/index.ts';
import { startNats } from '../helpers/nats.ts';
import { spawnNode, tempDir } from '../helpers/node.ts';
import { metricValue, pushJson, queryRange, waitFor } from '../helpers/loki.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PARTITIONS = 4;
const flags = {
  'ingester.chunk_idle_period': '300ms',
  'ingester.flush_check_period': '100ms',
  'ingester.chunk_retain_period': '0s',
  'distributor.partitions': String(PARTITIONS),
};

function lines(job: string, from: number, n: number) {
  const t0 = BigInt(Date.now()) * 1_000_000n;
  return {
    streams: [0, 1, 2].map((s) => ({
      stream: { job, s: String(s) },
      values: Array.from({ length: n }, (_, i) => [String(t0 + BigInt(i)), `${job} line ${from + i} of stream ${s}`] as [string, string]),
    })),
  };
}

const all = async (url: string, job: string) =>
  (await queryRange(url, { query: `{job="${job}"}`, since: '10m', limit: '5000', direction: 'forward' })).result.flatMap((s) => s.values.map(([, l]) => l)).sort();

test('while the chunk store refuses writes, flushes retry with backoff, checkpoints stay, nothing acknowledged is lost (even across a SIGKILL), and the failure shows in /metrics and the log', async (t) => {
  t.timeout(180_000);
  const nats = await startNats(t);
  const dataDir = await tempDir(t);
  let node = await spawnNode(t, nats.url, dataDir, flags);
  t.is((await pushJson(node.url, lines('before', 0, 50))).status, 204);
  await waitFor('the first chunks to be flushed', async () => (await metricValue(node.url, 'loki_ingester_chunks_flushed_total')) >= 3);
  const nc = await connectBus(nats.url, 'test');
  t.teardown(() => nc.close());
  const checkpoints = await Checkpoints.open(nc);
  const seqs = async () => Promise.all(Array.from({ length: PARTITIONS }, async (_, p) => (await checkpoints.get(p)).seq));
  await waitFor('checkpoints past the first chunks', async () => (await seqs()).some((s) => s > 1));

  // the store refuses: its tenant's chunk directory becomes a file (root ignores permissions, not this)
  const chunksDir = join(dataDir, 'store', 'fake', 'chunks');
  await rename(chunksDir, `${chunksDir}.away`);
  await writeFile(chunksDir, 'not a directory');

  t.is((await pushJson(node.url, lines('during', 0, 50))).status, 204);
  await waitFor('flushes to fail', async () => (await metricValue(node.url, 'loki_ingester_chunks_flush_failures_total')) >= 2);
  const settled = await seqs();
  const failedAt = Date.now();
  await sleep(4000);
  const failures = await metricValue(node.url, 'loki_ingester_chunks_flush_failures_total');
  // every 100 ms without backoff: some 40 tries in these four seconds
  t.true(failures < 12, `${failures} failed flush rounds in ${Date.now() - failedAt} ms: retries back off`);
  t.deepEqual(await seqs(), settled, 'no checkpoint moves while the store refuses');
  t.regex(node.output(), /flushing chunks failed; checkpoints stay, retrying/);
  t.is((await all(node.url, 'during')).length, 150, 'the refused lines are answered from memory');

  // the node dies while holding them: they come back from the ingest log
  node.kill();
  await node.exited;
  node = await spawnNode(t, nats.url, dataDir, flags);
  await waitFor('the restarted node to be ready', async () => (await fetch(`${node.url}/ready`)).status === 200, 60_000);
  t.is((await all(node.url, 'during')).length, 150);
  await waitFor('the restarted node to meet the refusing store', async () => (await metricValue(node.url, 'loki_ingester_chunks_flush_failures_total')) >= 1);

  // the store comes back: the next try flushes, and the checkpoints move
  await rm(chunksDir);
  await rename(`${chunksDir}.away`, chunksDir);
  await waitFor('the held chunks to be flushed', async () => (await metricValue(node.url, 'loki_ingester_chunks_flushed_total')) >= 3, 30_000);
  await waitFor('checkpoints to move', async () => (await seqs()).some((s, p) => s > settled[p]), 30_000);
  // logged just after the round that moved them, and written to the pipe a moment later
  await waitFor('the recovery in the log', async () => /flushing works again/.test(node.output()), 10_000);

  const expect = (job: string) => [0, 1, 2].flatMap((s) => Array.from({ length: 50 }, (_, i) => `${job} line ${i} of stream ${s}`)).sort();
  t.deepEqual(await all(node.url, 'before'), expect('before'));
  t.deepEqual(await all(node.url, 'during'), expect('during'));
});
