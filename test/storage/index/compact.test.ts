import test, { type ExecutionContext } from 'ava';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Labels } from '../../../model/labels.ts';
import type { Matcher } from '../../../model/matchers.ts';
import { ChunksTable } from '../../../storage/index/chunks-table.ts';
import { compactDay, indexDays } from '../../../storage/index/compact.ts';
import { IndexReader } from '../../../storage/index/reader.ts';
import { createTables } from '../../../storage/index/schema.ts';
import { SeriesTable } from '../../../storage/index/series-table.ts';
import { IndexWriter } from '../../../storage/index/writer.ts';
import type { ObjectStore } from '../../../storage/object-store.ts';
import { openObjectStore } from '../../../storage/open-store.ts';
import { startS3 } from '../../helpers/s3.ts';
import { DAY, fsStore, JAN1, ref } from './fixtures.ts';

const api: Labels = [['app', 'api'], ['env', 'prod']];
const web: Labels = [['app', 'web'], ['env', 'dev']];
const all: Matcher[] = [{ name: 'app', op: '=~', value: '.+' }];
const HOUR = 3_600_000;

/** Two writers, several uploads each, a chunk indexed by both (as after a partition's handover). */
async function twoWriters(store: ObjectStore) {
  const w1 = new IndexWriter({ store, writerId: 'ing-1' });
  const w2 = new IndexWriter({ store, writerId: 'ing-2' });
  const shared = ref('a', '1', api, JAN1 + 5n, JAN1 + 6n);
  for (let i = 0; i < 5; i++) {
    await w1.addChunks([ref('a', '1', api, JAN1 + BigInt(i * 100), JAN1 + BigInt(i * 100 + 50)), shared]);
    await w2.addChunks([ref('a', '2', web, JAN1 + BigInt(i * 100), JAN1 + BigInt(i * 100 + 50)), shared]);
  }
  await w1.addChunks([ref('a', '3', [['app', 'cron']], JAN1 + DAY - 5n, JAN1 + DAY + 5n)]); // two days
  await w2.addChunks([ref('b', '1', api, JAN1, JAN1 + 1n)]);
  w1.close();
  w2.close();
}

/** Every answer a querier gets from the index, in a form to compare. */
async function answers(store: ObjectStore) {
  const reader = new IndexReader({ store });
  try {
    const refs = async (tenant: string, ms: Matcher[]) => (await reader.chunks(tenant, ms, JAN1, JAN1 + 2n * DAY)).map((r) => `${r.key} ${r.from}-${r.through}`);
    return {
      all: await refs('a', all),
      api: await refs('a', [{ name: 'app', op: '=', value: 'api' }]),
      notApi: await refs('a', [{ name: 'app', op: '!=', value: 'api' }, { name: 'env', op: '=~', value: '.*' }]),
      b: await refs('b', all),
      series: (await reader.series('a', [], JAN1, JAN1 + DAY)).map((l) => JSON.stringify(l)).sort(),
    };
  } finally {
    reader.close();
  }
}

async function compactsTwoWriters(t: ExecutionContext, store: ObjectStore, work: string) {
  await twoWriters(store);
  const before = await answers(store);
  t.is(before.all.length, 5 + 1 + 5 + 1, 'the shared chunk once');
  const segments = await store.list('index/a/2024-01-01/');
  t.is(segments.length, 11);
  t.deepEqual(await indexDays(store), ['index/a/2024-01-01/', 'index/a/2024-01-02/', 'index/b/2024-01-01/']);

  const run = await compactDay(store, 'index/a/2024-01-01/', { workDir: work, deleteDelayMs: 2 * HOUR });
  t.is(run.merged, 11);
  t.is(run.deleted, 0, 'nothing deleted before the delay');
  t.regex(run.written!, /^index\/a\/2024-01-01\/compacted\/\d{15}-[0-9a-f]{8}\.db$/);
  t.deepEqual(await answers(store), before, 'the same answers from the compacted file');
  // one row per chunk and per series in the compacted file
  const db = new Database(await store.get(run.written!), { readonly: true });
  t.is(db.prepare('SELECT count(*) FROM chunks').pluck().get(), 12);
  t.is(db.prepare('SELECT count(DISTINCT key) FROM chunks').pluck().get(), 12);
  t.is(db.prepare('SELECT count(*) FROM series').pluck().get(), 3);
  t.is(db.prepare('SELECT count(*) FROM covers').pluck().get(), 11);
  db.close();

  const again = await compactDay(store, 'index/a/2024-01-01/', { workDir: work, deleteDelayMs: 2 * HOUR });
  t.deepEqual(again, { merged: 0, deleted: 0, droppedChunks: 0, chunksDeleted: 0 }, 'a compacted day is left alone');
  const later = await compactDay(store, 'index/a/2024-01-01/', { workDir: work, deleteDelayMs: 2 * HOUR, now: Date.now() + 2 * HOUR + 1000 });
  t.is(later.deleted, 11, 'the merged segments, once the delay has passed');
  t.deepEqual((await store.list('index/a/2024-01-01/')).map((o) => o.key), [run.written]);
  t.deepEqual(await answers(store), before, 'and still the same answers');
}

test('a day of segments from two writers is merged into one file answering the same, on the filesystem', async (t) => {
  const { dir, store } = await fsStore(t);
  await compactsTwoWriters(t, store, join(dir, 'work'));
});

test('a day of segments from two writers is merged into one file answering the same, on S3', async (t) => {
  const { dir } = await fsStore(t);
  const store = await openObjectStore({ object_store: 's3', filesystem: { directory: '' }, aws: (await startS3(t)).aws });
  t.teardown(() => store.close());
  await compactsTwoWriters(t, store, join(dir, 'work'));
});

test('rows uploaded after a compaction are read, and merged by the next one with the compacted file', async (t) => {
  const { dir, store } = await fsStore(t);
  const work = join(dir, 'work');
  await twoWriters(store);
  const first = await compactDay(store, 'index/a/2024-01-01/', { workDir: work, deleteDelayMs: 0 });
  t.is(first.deleted, 0, 'what a run covers is deleted by a later run, even without a delay');
  const w = new IndexWriter({ store, writerId: 'ing-1' });
  t.teardown(() => w.close());
  await w.addChunks([ref('a', '9', web, JAN1 + 7n, JAN1 + 8n)]);
  const before = await answers(store);
  t.is(before.all.length, 13, 'the new row is read beside the compacted file');
  const second = await compactDay(store, 'index/a/2024-01-01/', { workDir: work, deleteDelayMs: 0 });
  t.is(second.merged, 2, 'the compacted file and the new segment');
  t.is(second.deleted, 11, 'the segments the first run covered');
  t.deepEqual(await answers(store), before);
  const third = await compactDay(store, 'index/a/2024-01-01/', { workDir: work, deleteDelayMs: 0 });
  t.deepEqual([third.merged, third.deleted], [0, 2], 'the first compacted file and the new segment');
  t.deepEqual((await store.list('index/a/2024-01-01/')).map((o) => o.key), [second.written]);
  t.deepEqual(await answers(store), before);
  const db = new Database(await store.get(second.written!), { readonly: true });
  t.is(db.prepare('SELECT count(*) FROM covers').pluck().get(), 13, 'what the first covered stays covered');
  db.close();
});

test('a file that changed after it was merged is read whole until the next compaction, and never deleted at its new version', async (t) => {
  const { dir, store } = await fsStore(t);
  const work = join(dir, 'work');
  // an earlier Muninn's writer uploaded its day's file again, grown, on every flush
  const old = new Database(':memory:');
  createTables(old);
  const add = (fp: string, from: bigint) => {
    const r = ref('a', fp, api, from, from);
    new SeriesTable(old, true).add(r.fingerprint, r.labels);
    new ChunksTable(old, true).add(r.fingerprint, r);
  };
  add('1', JAN1 + 1n);
  await store.put('index/a/2024-01-01/old-0000.db', old.serialize());
  await store.put('index/a/2024-01-01/other-0000.db', old.serialize());
  const run = await compactDay(store, 'index/a/2024-01-01/', { workDir: work, deleteDelayMs: HOUR });
  t.is(run.merged, 2);
  add('2', JAN1 + 2n);
  await new Promise((r) => setTimeout(r, 20)); // a new mtime, as a later flush has
  await store.put('index/a/2024-01-01/old-0000.db', old.serialize());
  t.is((await answers(store)).all.length, 2, 'the changed file is read, not skipped');
  const late = await compactDay(store, 'index/a/2024-01-01/', { workDir: work, deleteDelayMs: HOUR, now: Date.now() + 2 * HOUR });
  t.is(late.deleted, 1, 'only the unchanged one');
  t.is(late.merged, 2, 'the changed file merged again with the compacted one');
  t.deepEqual((await answers(store)).all.length, 2);
  t.truthy((await store.list('index/a/2024-01-01/')).find((o) => o.key.endsWith('old-0000.db')));
});
