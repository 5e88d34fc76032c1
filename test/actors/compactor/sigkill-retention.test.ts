// A compactor SIGKILLed in the middle of a retention sweep (while it writes a day's edited file,
// and while it deletes expired chunks) leaves a store where every chunk a query finds is there,
// once, and a restarted compactor finishes the sweep.
import test, { type ExecutionContext } from 'ava';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '../../../model/labels.ts';
import { IndexReader } from '../../../storage/index/reader.ts';
import { IndexWriter } from '../../../storage/index/writer.ts';
import type { ObjectStore, StorageConfig } from '../../../storage/object-store.ts';
import { openObjectStore } from '../../../storage/open-store.ts';
import { indexRows } from '../../helpers/index-rows.ts';
import { waitFor } from '../../helpers/loki.ts';
import { startNats } from '../../helpers/nats.ts';
import { spawnNode, tempDir } from '../../helpers/node.ts';
import { startS3 } from '../../helpers/s3.ts';
import { DAY, JAN1, ref } from '../../storage/index/fixtures.ts';

const TENANTS = ['a', 'b'];
const DAYS = 6;
/** Days before this one expire, the rest are kept. */
const KEPT_FROM = 3;
const HOUR = 3_600_000;
const all = [{ name: 'app', op: '=~' as const, value: '.+' }];

/** Whether a day's file is being written: the working directory holds one. */
const merging = (work: string) => existsSync(work) && readdirSync(work).some((d) => existsSync(join(work, d, 'out.db')));

const chunkKeys = async (store: ObjectStore) => new Set((await store.list('')).map((o) => o.key).filter((k) => k.split('/')[1] === 'chunks'));

async function killedMidSweep(t: ExecutionContext, storage: Record<string, string>, storeCfg: StorageConfig, SEGMENTS: number) {
  const nats = await startNats(t);
  const dir = await tempDir(t);
  const store = await openObjectStore(storeCfg);
  t.teardown(() => store.close());
  // two writers, many segments per tenant and day, every chunk an object in the store
  const kept = new Map<string, string[]>();
  let expiring = 0;
  const w1 = new IndexWriter({ store, writerId: 'ing-1' });
  const w2 = new IndexWriter({ store, writerId: 'ing-2' });
  for (const tenant of TENANTS) {
    const keys: string[] = [];
    for (let d = 0; d < DAYS; d++)
      for (let s = 0; s < SEGMENTS; s++) {
        const labels: Labels = [['app', `app-${s % 4}`], ['pod', `pod-${s}`]];
        const refs = Array.from({ length: 6 }, (_, i) => ref(tenant, String(s * 10 + i + 1), labels, JAN1 + BigInt(d) * DAY + BigInt(s * 100 + i), JAN1 + BigInt(d) * DAY + BigInt(s * 100 + i + 5)));
        await Promise.all(refs.map((r) => store.put(r.key, Buffer.from(`chunk ${r.key}`))));
        await (s % 2 ? w1 : w2).addChunks(refs);
        if (d >= KEPT_FROM) keys.push(...refs.map((r) => r.key));
        else expiring += refs.length;
      }
    kept.set(tenant, keys.sort());
  }
  w1.close();
  w2.close();

  /** Every chunk a query finds is in the store, once; every kept chunk is found. */
  const check = async (when: string) => {
    const reader = new IndexReader({ store });
    const objects = await chunkKeys(store);
    try {
      for (const tenant of TENANTS) {
        const got = (await reader.chunks(tenant, all, JAN1, JAN1 + BigInt(DAYS) * DAY)).map((r) => r.key);
        t.is(got.length, new Set(got).size, `${when}: tenant ${tenant}, no chunk twice`);
        t.deepEqual(got.filter((k) => !objects.has(k)), [], `${when}: tenant ${tenant}, every chunk found is in the store`);
        const found = new Set(got);
        t.deepEqual(kept.get(tenant)!.filter((k) => !found.has(k)), [], `${when}: tenant ${tenant}, every kept chunk found`);
      }
    } finally {
      reader.close();
    }
  };
  await check('before');

  // a period ending within the hour before the first kept day began
  const period = `${Math.ceil((Date.now() - Number((JAN1 + BigInt(KEPT_FROM) * DAY) / 1_000_000n)) / HOUR)}h`;
  const nodeDir = join(dir, 'compactor-node');
  const work = join(nodeDir, 'compactor');
  const flags = {
    ...storage,
    target: 'compactor',
    'compactor.compaction_interval': '100ms',
    'compactor.index_delete_delay': '0s',
    'compactor.retention_delete_delay': '0s',
    'compactor.retention_enabled': 'true',
    'limits_config.retention_period': period,
  };
  const total = expiring + TENANTS.length * (DAYS - KEPT_FROM) * SEGMENTS * 6;
  // killed at the first sign of each phase: a day's file being written, the first chunk deleted
  const phases: Record<string, () => Promise<boolean>> = {
    'writing a day': async () => merging(work),
    'deleting chunks': async () => (await chunkKeys(store)).size < total,
  };
  const left: number[] = [];
  for (const [phase, begun] of Object.entries(phases)) {
    const node = await spawnNode(t, nats.url, nodeDir, flags);
    // polled without a pause: deleting a few hundred chunks from a filesystem takes a moment
    for (const until = Date.now() + 30_000; Date.now() < until && !(await begun()); ) await new Promise((r) => setTimeout(r, 2));
    node.kill();
    await node.exited;
    left.push((await chunkKeys(store)).size - (total - expiring));
    await check(`after SIGKILL ${left.length}, ${phase}`);
  }
  t.log(`SIGKILLed writing a day with ${left[0]}, and deleting chunks with ${left[1]}, of ${expiring} expired chunks left`);
  t.is(left[0], expiring, 'the first kill came before any chunk was deleted');
  t.true(left[1] < expiring, 'the second once deleting had begun');

  // the restarted compactor takes its lease back at once (same id) and finishes the sweep
  const node = await spawnNode(t, nats.url, nodeDir, flags);
  const expected = [...kept.values()].flat().sort();
  await waitFor('only the kept chunks left, and one file per kept day', async () => {
    const keys = [...(await chunkKeys(store))].sort();
    const files = await store.list('index/');
    const days = new Set(files.map((o) => o.key.split('/')[2]));
    return JSON.stringify(keys) === JSON.stringify(expected) && days.size === DAYS - KEPT_FROM && files.length === TENANTS.length * days.size;
  }, 30_000);
  await check('after the restarted compactor finished');
  // each kept chunk's row is in one current file once
  t.is(await indexRows(store), expected.length);
  node.kill();
}

test('a compactor SIGKILLed mid retention sweep leaves every found chunk in the store, and a restarted one finishes, on the filesystem', async (t) => {
  const dir = await tempDir(t);
  const directory = join(dir, 'store');
  await killedMidSweep(t, { 'storage_config.filesystem.directory': directory }, { object_store: 'filesystem', filesystem: { directory }, aws: { bucketnames: '', region: '', s3forcepathstyle: true } }, 8);
});

test('a compactor SIGKILLed mid retention sweep leaves every found chunk in the store, and a restarted one finishes, on S3', async (t) => {
  const s3 = await startS3(t);
  // fewer chunks: each S3 request costs more, which widens the window a kill lands in anyway
  await killedMidSweep(t, s3.flags, { object_store: 's3', filesystem: { directory: '' }, aws: s3.aws }, 4);
});
