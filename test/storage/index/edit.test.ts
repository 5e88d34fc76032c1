import test from 'ava';
import type Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Labels } from '../../../model/labels.ts';
import type { Matcher } from '../../../model/matchers.ts';
import { compactDay, indexDays, type DayEdit } from '../../../storage/index/compact.ts';
import { IndexReader } from '../../../storage/index/reader.ts';
import type { ChunkRef } from '../../../storage/index/schema.ts';
import { IndexWriter } from '../../../storage/index/writer.ts';
import type { ObjectStore } from '../../../storage/object-store.ts';
import { DAY, fsStore, JAN1, ref } from './fixtures.ts';

const api: Labels = [['app', 'api']];
const web: Labels = [['app', 'web']];
const all: Matcher[] = [{ name: 'app', op: '=~', value: '.+' }];
const HOUR = 3_600_000;
const DAY1 = 'index/a/2024-01-01/';
const DAY2 = 'index/a/2024-01-02/';

/** An edit dropping every chunk of the app's series. */
const dropApp = (app: string): DayEdit => ({
  apply: (db: Database.Database) => ({
    droppedChunks: db
      .prepare('DELETE FROM chunks WHERE fp IN (SELECT fp FROM postings WHERE name = ? AND value = ?) RETURNING key')
      .pluck()
      .all('app', app) as string[],
  }),
});

/** Indexes the chunks (in segments of two writers) and puts an object for each. */
async function index(store: ObjectStore, refs: ChunkRef[]) {
  for (const r of refs) await store.put(r.key, Buffer.from('chunk'));
  const writers = [new IndexWriter({ store, writerId: 'ing-1' }), new IndexWriter({ store, writerId: 'ing-2' })];
  for (const [i, r] of refs.entries()) await writers[i % 2].addChunks([r]);
  for (const w of writers) w.close();
}

async function answers(store: ObjectStore) {
  const reader = new IndexReader({ store });
  try {
    return {
      chunks: (await reader.chunks('a', all, JAN1, JAN1 + 2n * DAY)).map((r) => r.key).sort(),
      series: (await reader.series('a', all, JAN1, JAN1 + 2n * DAY)).map((l) => JSON.stringify(l)).sort(),
    };
  } finally {
    reader.close();
  }
}

const exists = async (store: ObjectStore, key: string) => (await store.list(key)).some((o) => o.key === key);

test('an edit drops rows at once, deletes their chunk objects only after the delay, and a rerun changes nothing', async (t) => {
  const { dir, store } = await fsStore(t);
  const work = join(dir, 'work');
  const apis = [0, 1, 2].map((i) => ref('a', '1', api, JAN1 + BigInt(i * 100), JAN1 + BigInt(i * 100 + 50)));
  const webs = [0, 1, 2].map((i) => ref('a', '2', web, JAN1 + BigInt(i * 100), JAN1 + BigInt(i * 100 + 50)));
  await index(store, [...apis, ...webs]);
  t.is((await answers(store)).series.length, 2);

  const run = await compactDay(store, DAY1, { workDir: work, deleteDelayMs: 2 * HOUR, edit: dropApp('api') });
  t.like(run, { merged: 6, droppedChunks: 3, chunksDeleted: 0 });
  t.truthy(run.written);
  t.deepEqual(await answers(store), { chunks: webs.map((r) => r.key).sort(), series: [JSON.stringify(web)] }, 'api is gone from chunks and /series');
  for (const r of apis) t.true(await exists(store, r.key), 'a query that listed the old files may still read the chunk');

  const again = await compactDay(store, DAY1, { workDir: work, deleteDelayMs: 2 * HOUR, edit: dropApp('api') });
  t.deepEqual(again, { merged: 0, deleted: 0, droppedChunks: 0, chunksDeleted: 0 }, 'nothing left to drop: the day is not written again');

  // a compactor killed after the upload remembers nothing: the file lists what is still to delete
  const later = await compactDay(store, DAY1, { workDir: work, deleteDelayMs: 2 * HOUR, now: Date.now() + 2 * HOUR + 1000 });
  t.like(later, { chunksDeleted: 3, deleted: 6 }, 'the chunks and the segments');
  t.truthy(later.written, 'written once more, no longer listing the deleted chunks');
  for (const r of apis) t.false(await exists(store, r.key));
  for (const r of webs) t.true(await exists(store, r.key));
  t.deepEqual((await answers(store)).chunks, webs.map((r) => r.key).sort());

  const last = await compactDay(store, DAY1, { workDir: work, deleteDelayMs: 2 * HOUR, now: Date.now() + 4 * HOUR + 2000, edit: dropApp('api') });
  t.deepEqual(last, { merged: 0, deleted: 1, droppedChunks: 0, chunksDeleted: 0 }, 'only the first compacted file, which the last run covered');
  t.deepEqual((await store.list(DAY1)).map((o) => o.key), [later.written]);
});

test('a dropped chunk an ingester indexes again is not deleted, and a chunk of two days only once neither names it', async (t) => {
  const { dir, store } = await fsStore(t);
  const work = join(dir, 'work');
  const again = ref('a', '1', api, JAN1 + 10n, JAN1 + 20n);
  const midnight = ref('a', '1', api, JAN1 + DAY - 10n, JAN1 + DAY + 10n);
  const kept = ref('a', '2', web, JAN1 + 10n, JAN1 + 20n);
  await index(store, [again, midnight, kept]);

  await compactDay(store, DAY1, { workDir: work, deleteDelayMs: 0, edit: dropApp('api') });
  t.deepEqual((await answers(store)).chunks, [midnight.key, kept.key].sort(), 'the second day still names the midnight chunk');
  // an ingester replaying its partition flushes the same chunk again
  await index(store, [again]);
  const day1 = await compactDay(store, DAY1, { workDir: work, deleteDelayMs: 0, now: Date.now() + 1000 });
  t.is(day1.chunksDeleted, 0, 'the re-indexed chunk is current again; the midnight one is named by the second day');
  t.true(await exists(store, again.key));
  t.true(await exists(store, midnight.key));
  t.true((await answers(store)).chunks.includes(again.key));

  await compactDay(store, DAY2, { workDir: work, deleteDelayMs: 0, edit: dropApp('api') });
  const day2 = await compactDay(store, DAY2, { workDir: work, deleteDelayMs: 0, now: Date.now() + 1000 });
  t.is(day2.chunksDeleted, 1, 'the midnight chunk, once no day names it');
  t.false(await exists(store, midnight.key));
  t.true(await exists(store, again.key));
  t.deepEqual((await answers(store)).chunks, [again.key, kept.key].sort());
});

test('a day whose every row an edit drops is deleted whole once the delay has passed', async (t) => {
  const { dir, store } = await fsStore(t);
  const work = join(dir, 'work');
  const refs = [0, 1, 2].map((i) => ref('a', '1', api, JAN1 + BigInt(i), JAN1 + BigInt(i)));
  await index(store, refs);
  await compactDay(store, DAY1, { workDir: work, deleteDelayMs: HOUR, edit: dropApp('api') });
  t.deepEqual(await answers(store), { chunks: [], series: [] });
  const later = await compactDay(store, DAY1, { workDir: work, deleteDelayMs: HOUR, now: Date.now() + HOUR + 1000, edit: dropApp('api') });
  t.like(later, { chunksDeleted: 3, deleted: 4, written: undefined });
  t.deepEqual(await store.list('index/'), [], 'no file left');
  t.deepEqual(await indexDays(store), []);
  for (const r of refs) t.false(await exists(store, r.key));
});
