// Under a steady push load, the store's chunks stop growing once retention is reached: what
// arrives is matched by what expires. A short retention_period (Loki 2.8 checks only the rules'
// periods against its 24h minimum) makes it seconds.
import test from 'ava';
import { join } from 'node:path';
import { FilesystemStore } from '../../../storage/filesystem-store.ts';
import { unlimited } from '../../helpers/load.ts';
import { get, metricValue, pushJson, waitFor } from '../../helpers/loki.ts';
import { startNats } from '../../helpers/nats.ts';
import { startTestNode, tempDir, TINY_CHUNKS } from '../../helpers/node.ts';

const PERIOD_MS = 3000;
const RUN_MS = 12_000;

test('disk use under a steady load stays flat once retention is reached, and every query answers meanwhile', async (t) => {
  const nats = await startNats(t);
  const dir = await tempDir(t);
  const directory = join(dir, 'store');
  const store = new FilesystemStore(directory);
  const node = await startTestNode(t, nats.url, {
    ...unlimited,
    ...TINY_CHUNKS,
    'storage_config.filesystem.directory': directory,
    'distributor.partitions': '4',
    'query_range.cache_results': 'false',
    'querier.worker_threads': '1',
    'compactor.retention_enabled': 'true',
    'limits_config.retention_period': `${PERIOD_MS}ms`,
    'compactor.compaction_interval': '250ms',
    'compactor.index_delete_delay': '500ms',
    'compactor.retention_delete_delay': '500ms',
  });
  const began = Date.now();
  const ever = new Map<string, number>();
  const chunkBytes = async () => {
    let n = 0;
    for (const o of await store.list('fake/chunks/')) {
      ever.set(o.key, o.size);
      n += o.size;
    }
    return n;
  };

  let pushing = true;
  let pushed = 0;
  const load = (async () => {
    for (let i = 0; pushing; i++) {
      const now = BigInt(Date.now()) * 1_000_000n;
      const values = Array.from({ length: 50 }, (_, j) => [String(now + BigInt(j)), `request ${i}.${j} took ${(i * 7 + j) % 500}ms status=${j % 5 ? 200 : 500}`]);
      const res = await pushJson(node.url, { streams: ['api', 'web'].map((app) => ({ stream: { app }, values })) });
      if (res.status !== 204) throw new Error(`push ${res.status}: ${await res.text()}`);
      pushed += 100;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  // the bytes under the chunks every half second, and a query over everything pushed so far
  const samples: Array<{ at: number; bytes: number }> = [];
  let queries = 0;
  while (Date.now() - began < RUN_MS) {
    samples.push({ at: Date.now() - began, bytes: await chunkBytes() });
    const res = await get(node.url, '/loki/api/v1/query_range', { query: 'sum(count_over_time({app=~".+"}[1m]))', start: String(BigInt(began - 1000) * 1_000_000n), end: String(BigInt(Date.now()) * 1_000_000n), step: '1' });
    t.is(res.status, 200, `a query while retention deletes: ${await res.text()}`);
    queries++;
    await new Promise((r) => setTimeout(r, 500));
  }
  pushing = false;
  await load;

  // retention is reached after the period and the two delays; compare the next halves of the run
  const reached = PERIOD_MS + 2000;
  const mean = (from: number, to: number) => {
    const s = samples.filter((x) => x.at >= from && x.at < to);
    return s.reduce((n, x) => n + x.bytes, 0) / s.length;
  };
  const first = mean(reached, (reached + RUN_MS) / 2);
  const second = mean((reached + RUN_MS) / 2, RUN_MS);
  const written = [...ever.values()].reduce((n, b) => n + b, 0);
  t.log(`${pushed} lines pushed; chunk bytes ${Math.round(first)} then ${Math.round(second)} (mean of each half after ${reached} ms), ${written} written in all, ${queries} queries`);
  t.log(samples.map((s) => `${s.at}:${s.bytes}`).join(' '));
  t.true(second < first * 1.3 && second > first * 0.7, 'flat: the second half within 30% of the first');
  t.true(second < written / 2, 'well under what was written');
  await waitFor('chunks deleted counted', async () => (await metricValue(node.url, 'loki_boltdb_shipper_retention_sweeper_chunk_deleted_duration_seconds_count')) > 0);
});
