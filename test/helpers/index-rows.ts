// The chunk rows of every index file in a store, summed: after a compaction each chunk's row is in
// one current file once, so the sum is the number of chunks.
import Database from 'better-sqlite3';
import type { ObjectStore } from '../../storage/object-store.ts';

export async function indexRows(store: ObjectStore): Promise<number> {
  let rows = 0;
  for (const o of await store.list('index/')) {
    const db = new Database(await store.get(o.key), { readonly: true });
    rows += db.prepare('SELECT count(*) FROM chunks').pluck().get() as number;
    db.close();
  }
  return rows;
}
