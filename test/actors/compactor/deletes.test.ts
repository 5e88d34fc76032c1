import test, { type ExecutionContext } from 'ava';
import { join } from 'node:path';
import { DeleteRequests } from '../../../bus/delete-requests.ts';
import { connectBus } from '../../../bus/connection.ts';
import { IndexReader } from '../../../storage/index/reader.ts';
import { decodeChunk } from '../../../storage/chunk/decode.ts';
import { openObjectStore } from '../../../storage/open-store.ts';
import type { ObjectStore, StorageConfig } from '../../../storage/object-store.ts';
import { unlimited } from '../../helpers/load.ts';
import { flatten, get, metricValue, pushJson, queryRange, waitFor } from '../../helpers/loki.ts';
import { startNats } from '../../helpers/nats.ts';
import { spawnNode, startTestNode, tempDir, TINY_CHUNKS } from '../../helpers/node.ts';
import { startS3 } from '../../helpers/s3.ts';

const NS_PER_MS = 1_000_000n;
const APPS = ['api', 'web'];
const LINES = 60;
const all = [{ name: 'app', op: '=~' as const, value: '.+' }];

/** Every line the index's current chunks hold for the tenant in [start, end), as `app ts line`, sorted. */
async function storedLines(store: ObjectStore, tenant: string, start: bigint, end: bigint): Promise<string[]> {
  const reader = new IndexReader({ store });
  try {
    const out: string[] = [];
    for (const ref of await reader.chunks(tenant, all, start, end)) {
      const app = ref.labels.find(([n]) => n === 'app')![1];
      for (const b of decodeChunk(ref.key, await store.get(ref.key)).read(start, end))
        for (let i = 0; i < b.ts.length; i++) out.push(`${app} ${b.ts[i]} ${b.lines.toString('utf8', b.offsets[i], b.offsets[i + 1])}`);
    }
    return out.sort();
  } finally {
    reader.close();
  }
}

async function metric(url: string, query: string, start: bigint, end: bigint): Promise<unknown> {
  const res = await get(url, '/loki/api/v1/query_range', { query, start: String(start), end: String(end), step: '600' });
  if (res.status !== 200) throw new Error(`${res.status}: ${await res.text()}`);
  return ((await res.json()) as { data: { result: unknown } }).data.result;
}

async function deletesLines(t: ExecutionContext, storage: Record<string, string>, storeCfg: StorageConfig) {
  const nats = await startNats(t);
  const flags = {
    ...unlimited,
    ...TINY_CHUNKS,
    ...storage,
    target: 'all',
    'distributor.partitions': '4',
    'querier.worker_threads': '1',
    'compactor.compaction_interval': '300ms',
    'compactor.index_delete_delay': '0s',
    'compactor.retention_delete_delay': '0s',
    'compactor.delete_request_cancel_period': '1s',
  };
  const { url } = await startTestNode(t, nats.url, flags);
  const store = await openObjectStore(storeCfg);
  t.teardown(() => store.close());

  // two hours ago, an hour of lines from two streams in three pushes (three chunks each); a third of them say level=error
  const start = BigInt(Date.now() - 2 * 3_600_000) * NS_PER_MS;
  const end = start + 3_600_000n * NS_PER_MS;
  const expected: string[] = [];
  for (let round = 0; round < 3; round++) {
    const streams = APPS.map((app) => ({
      stream: { app },
      values: Array.from({ length: LINES / 3 }, (_, i) => {
        const n = round * (LINES / 3) + i;
        const ts = String(start + BigInt(n) * 60_000n * NS_PER_MS);
        const line = `line ${n} of ${app} level=${n % 3 ? 'info' : 'error'}`;
        expected.push(`${app} ${ts} ${line}`);
        return [ts, line];
      }),
    }));
    const res = await pushJson(url, { streams });
    t.is(res.status, 204, await res.text());
  }
  expected.sort();
  await waitFor('every line in the store', async () => (await storedLines(store, 'fake', start, end)).length === expected.length, 30_000);

  const errors = 'sum by (app) (count_over_time({app=~".+"} |= "level=error" [10m]))';
  const counts = 'sum by (app) (count_over_time({app=~".+"}[1h]))';
  // asked once before the request: the answers are cached (the range is older than max_cache_freshness_per_query)
  t.not(JSON.stringify(await metric(url, errors, start, end)), '[]');
  const countsBefore = await metric(url, counts, start, end);

  const res = await fetch(`${url}/loki/api/v1/delete?${new URLSearchParams({ query: '{app="api"} |= "level=error"', start: String(start / 1_000_000_000n), end: String(end / 1_000_000_000n + 1n) })}`, { method: 'POST' });
  t.is(res.status, 204, await res.text());
  const kept = expected.filter((l) => !(l.startsWith('api ') && l.includes('level=error')));
  t.is(expected.length - kept.length, LINES / 3);

  const answers = async () => ({
    log: flatten(await queryRange(url, { query: '{app=~".+"}', start: String(start), end: String(end), limit: '1000', direction: 'forward' })).length,
    errors: JSON.stringify(await metric(url, errors, start, end)),
    counts: (await metric(url, counts, start, end)) as Array<{ metric: { app: string }; values: Array<[number, string]> }>,
  });
  const check = async (when: string) => {
    const a = await answers();
    t.is(a.log, kept.length, `${when}: the log query leaves the deleted lines out`);
    t.true(a.errors.includes('"web"') && !a.errors.includes('"api"'), `${when}: api's errors counted nowhere, web's still: ${a.errors}`);
    const api = a.counts.find((s) => s.metric.app === 'api')!;
    t.true(api.values.every(([, v]) => Number(v) < LINES), `${when}: api's count lacks them`);
    t.notDeepEqual(a.counts, countsBefore);
  };
  // at once, by query-time filtering (and past the cached answers)
  await check('before processing');
  t.deepEqual(await storedLines(store, 'fake', start, end), expected, 'nothing removed from the store yet');

  // the compactor takes it up after the cancel period and writes the api chunks anew
  await waitFor('the request processed', async () => {
    const list = (await (await fetch(`${url}/loki/api/v1/delete`)).json()) as Array<{ status: string }>;
    return list[0]?.status === 'processed';
  });
  t.deepEqual(await storedLines(store, 'fake', start, end), kept, 'the store holds every other line once, and none of the deleted');
  await check('after processing');
  t.is(await metricValue(url, 'loki_compactor_delete_requests_processed_total', { user: 'fake' }), 1);
  t.is(await metricValue(url, 'loki_compactor_deleted_lines', { user: 'fake' }), LINES / 3);
  t.true((await metricValue(url, 'loki_compactor_delete_requests_chunks_selected_total', { user: 'fake' })) >= 1);
  // the old api chunks are deleted once their delay (0s here) has passed: the store keeps what the index names
  const named = async () => {
    const reader = new IndexReader({ store });
    try {
      return (await reader.chunks('fake', all, start, end)).map((r) => r.key).sort();
    } finally {
      reader.close();
    }
  };
  await waitFor('the rewritten chunks\' old objects deleted', async () => JSON.stringify((await store.list('fake/chunks/')).map((o) => o.key).sort()) === JSON.stringify(await named()));
}

test('a delete request with a line filter removes its lines from log and metric queries at once, and from the store once processed, on the filesystem', async (t) => {
  const dir = await tempDir(t);
  const directory = join(dir, 'store');
  await deletesLines(t, { 'storage_config.filesystem.directory': directory }, { object_store: 'filesystem', filesystem: { directory }, aws: { bucketnames: '', region: '', s3forcepathstyle: true } });
});

test('a delete request with a line filter removes its lines from log and metric queries at once, and from the store once processed, on S3', async (t) => {
  const s3 = await startS3(t);
  await deletesLines(t, s3.flags, { object_store: 's3', filesystem: { directory: '' }, aws: s3.aws });
});
