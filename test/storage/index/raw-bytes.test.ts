import test from 'ava';
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '../../../model/labels.ts';
import { IndexReader } from '../../../storage/index/reader.ts';
import { SCHEMA_VERSION } from '../../../storage/index/schema.ts';
import { IndexWriter } from '../../../storage/index/writer.ts';
import { fsStore, JAN1, ref } from './fixtures.ts';

const labels: Labels = [['app', 'api']];
const api = [{ name: 'app', op: '=' as const, value: 'api' }];

/** The tables exactly as schema 1 wrote them (before chunks.raw_bytes), with one chunk row. */
function schema1File(path: string): void {
  const db = new Database(path);
  db.exec(`
CREATE TABLE IF NOT EXISTS series (fp TEXT PRIMARY KEY, labels TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS postings (
  name TEXT NOT NULL, value TEXT NOT NULL, fp TEXT NOT NULL, PRIMARY KEY (name, value, fp)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS chunks (
  key TEXT PRIMARY KEY, fp TEXT NOT NULL, from_ns INTEGER NOT NULL, through_ns INTEGER NOT NULL,
  entries INTEGER NOT NULL, bytes INTEGER NOT NULL, max_seq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunks_by_series ON chunks (fp, through_ns);
`);
  db.prepare('INSERT INTO series VALUES (?, ?)').run('0000000000000001', '{app="api"}');
  db.prepare('INSERT INTO postings VALUES (?, ?, ?)').run('app', 'api', '0000000000000001');
  db.prepare('INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)').run('a/old-chunk', '0000000000000001', JAN1 + 1n, JAN1 + 2n, 7, 300, 5);
  db.pragma('user_version = 1');
  db.close();
}

test('a chunk indexed with its line bytes reads back with them, in a file of the current schema', async (t) => {
  const { dir, store } = await fsStore(t);
  const writer = new IndexWriter({ store, writerId: 'w1' });
  t.teardown(() => writer.close());
  await writer.addChunks([{ ...ref('a', '1', labels, JAN1 + 1n, JAN1 + 2n), rawBytes: 4321 }, ref('a', '2', labels, JAN1 + 3n, JAN1 + 4n)]);
  const reader = new IndexReader({ store });
  t.teardown(() => reader.close());
  const refs = await reader.chunks('a', api, JAN1, JAN1 + 10n);
  t.deepEqual(
    refs.map((r) => [r.fingerprint, r.bytes, r.rawBytes]),
    [
      ['0000000000000001', 1000, 4321],
      ['0000000000000002', 1000, undefined],
    ],
    'a row written without them says so',
  );
  const [file] = await store.list('index/a/2024-01-01/');
  const db = new Database(await store.get(file.key));
  t.is(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  t.is(SCHEMA_VERSION, 2);
  db.close();
});

test('an index file of schema 1 (no raw_bytes column) is still read, its chunks without line bytes', async (t) => {
  const { dir, store } = await fsStore(t);
  const local = join(dir, 'old.db');
  schema1File(local);
  const db = new Database(local, { readonly: true });
  await store.put('index/a/2024-01-01/old-writer-0000.db', db.serialize());
  db.close();
  const reader = new IndexReader({ store, cacheDir: join(dir, 'cache') });
  t.teardown(() => reader.close());
  const refs = await reader.chunks('a', api, JAN1, JAN1 + 10n);
  t.is(refs.length, 1);
  t.like(refs[0], { key: 'a/old-chunk', entries: 7, bytes: 300, maxSeq: 5, labels });
  t.false('rawBytes' in refs[0]);
});

test('a schema 1 segment left in the store is read beside the new segments a writer adds', async (t) => {
  const { dir, store } = await fsStore(t);
  const local = join(dir, 'old.db');
  schema1File(local);
  await store.put('index/a/2024-01-01/w1-0000.db', readFileSync(local));
  const writer = new IndexWriter({ store, writerId: 'w1' });
  t.teardown(() => writer.close());
  await writer.addChunks([{ ...ref('a', '1', labels, JAN1 + 3n, JAN1 + 4n), rawBytes: 999 }]);
  const keys = (await store.list('index/')).map((o) => o.key);
  t.is(keys.length, 2, 'a new segment: the old one is never written again');
  t.is(keys[0], 'index/a/2024-01-01/w1-0000.db');
  const reader = new IndexReader({ store });
  t.teardown(() => reader.close());
  const refs = await reader.chunks('a', api, JAN1, JAN1 + 10n);
  t.deepEqual(
    refs.map((r) => [r.key, r.rawBytes]),
    [
      ['a/old-chunk', undefined],
      [refs[1].key, 999],
    ],
  );
});
