import test from 'ava';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Labels } from '../../../model/labels.ts';
import { IndexReader } from '../../../storage/index/reader.ts';
import { IndexWriter } from '../../../storage/index/writer.ts';
import { DAY, fsStore, JAN1, ref } from './fixtures.ts';

const labels: Labels = [['app', 'api']];
const api = [{ name: 'app', op: '=' as const, value: 'api' }];

/** Bytes of the files under a directory, recursively. */
async function bytesUnder(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += (await stat(join(e.parentPath, e.name))).size;
  return n;
}

test('the index cache stays within its byte bound, evicting the least recently used files, and answers right', async (t) => {
  const { dir, store } = await fsStore(t);
  const writer = new IndexWriter({ store, writerId: 'w1' });
  t.teardown(() => writer.close());
  // ten days, one file each
  for (let d = 0; d < 10; d++) await writer.addChunks(Array.from({ length: 20 }, (_, i) => ref('a', String(d * 100 + i + 1), labels, JAN1 + BigInt(d) * DAY + BigInt(i), JAN1 + BigInt(d) * DAY + BigInt(i))));
  const files = await store.list('index/');
  t.is(files.length, 10);
  const fileBytes = files[0].size;
  const maxBytes = 3 * fileBytes + 100;
  const cacheDir = join(dir, 'cache');
  const reader = new IndexReader({ store, cacheDir, maxBytes });
  t.teardown(() => reader.close());
  for (let d = 0; d < 10; d++) {
    const refs = await reader.chunks('a', api, JAN1 + BigInt(d) * DAY, JAN1 + BigInt(d + 1) * DAY);
    t.is(refs.length, 20, `day ${d}`);
    t.true(reader.cacheStats().bytes <= maxBytes);
    // the downloads plus their small version files
    t.true((await bytesUnder(cacheDir)) <= maxBytes + 3 * 64, `${await bytesUnder(cacheDir)} B on disk`);
  }
  t.is(reader.cacheStats().evictions, 7);
  // the most recently used day is still cached: asked again, nothing is evicted
  await reader.chunks('a', api, JAN1 + 9n * DAY, JAN1 + 10n * DAY);
  t.is(reader.cacheStats().evictions, 7);
  // a query needing more than the bound is answered whole, and the cache shrinks back after it
  t.is((await reader.chunks('a', api, JAN1, JAN1 + 10n * DAY)).length, 200);
  t.true(reader.cacheStats().bytes <= maxBytes);
  t.true((await bytesUnder(cacheDir)) <= maxBytes + 3 * 64);
});
