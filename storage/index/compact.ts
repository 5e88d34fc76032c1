// Compaction of one tenant's day of index files, as Loki's compactor does for a table: the current
// files (current.ts) are merged into one new compacted file, each series, posting and chunk
// reference once, which names every file it merged with its version; files so covered are deleted
// only `deleteDelayMs` after the first compacted file covering them appeared, so a query that
// listed them before can still read them.
//
// What a failure leaves, at any step: before the compacted file's put resolves, the store is as it
// was (a put is whole or absent); after, readers read the compacted file and skip what it covers,
// and the covered files stay until a later run deletes them. The work is redone by the next run
// from what the store holds: nothing else is remembered.
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectInfo, ObjectStore } from '../object-store.ts';
import { COMPACTED_DIR, COVERS_DDL, isCompacted, isCovered, isIndexFile, versionOf, type Covers } from './current.ts';
import { createTables } from './schema.ts';

export interface CompactResult {
  /** Files merged into a new compacted file (0 when the day was already one file). */
  merged: number;
  /** The compacted file written, if any. */
  written?: string;
  /** Covered files deleted, their delay past. */
  deleted: number;
}

/** Every (tenant, day) prefix holding index files, `index/<tenant>/<day>/`, from one listing. */
export async function indexDays(store: ObjectStore): Promise<string[]> {
  const days = new Set<string>();
  for (const o of await store.list('index/')) {
    const parts = o.key.split('/');
    if (parts.length >= 4 && isIndexFile(o)) days.add(`${parts[0]}/${parts[1]}/${parts[2]}/`);
  }
  return [...days].sort();
}

/** Compacts the day under `prefix` (`index/<tenant>/<day>/`), working in `workDir`. */
export async function compactDay(store: ObjectStore, prefix: string, opts: { workDir: string; deleteDelayMs: number; now?: number }): Promise<CompactResult> {
  const now = opts.now ?? Date.now();
  const objects = (await store.list(prefix)).filter(isIndexFile);
  const dir = join(opts.workDir, randomUUID());
  await mkdir(dir, { recursive: true });
  try {
    // each compacted file's covers, and when the first file covering each key appeared
    const covers: Covers = new Map();
    const coveredSince = new Map<string, number>();
    const local = new Map<string, string>();
    for (const c of objects.filter(isCompacted)) {
      const path = join(dir, `${local.size}.db`);
      await writeFile(path, await store.get(c.key));
      local.set(c.key, path);
      const db = new Database(path, { readonly: true });
      try {
        for (const r of db.prepare<[], { key: string; version: string }>('SELECT key, version FROM covers').all()) {
          covers.set(r.key, r.version);
          coveredSince.set(r.key, Math.min(coveredSince.get(r.key) ?? Infinity, c.modified.getTime()));
        }
      } finally {
        db.close();
      }
    }
    const live = objects.filter((o) => !isCovered(o, covers));
    const result: CompactResult = { merged: 0, deleted: 0 };
    if (live.length > 1) {
      result.written = await merge(store, prefix, live, dir, local);
      result.merged = live.length;
    }
    // what every reader skips, long enough that a query which listed it before has finished
    for (const o of objects) {
      if (!isCovered(o, covers) || now - coveredSince.get(o.key)! < opts.deleteDelayMs) continue;
      await store.delete(o.key);
      result.deleted++;
    }
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes one compacted file of the live files and puts it; its key. */
async function merge(store: ObjectStore, prefix: string, live: ObjectInfo[], dir: string, local: Map<string, string>): Promise<string> {
  const out = new Database(join(dir, 'out.db'));
  try {
    out.pragma('journal_mode = OFF');
    out.pragma('synchronous = OFF');
    createTables(out);
    out.exec(COVERS_DDL);
    const cover = out.prepare('INSERT OR REPLACE INTO covers (key, version) VALUES (?, ?)');
    for (const o of live) {
      let path = local.get(o.key);
      if (!path) {
        path = join(dir, `in-${randomUUID()}.db`);
        await writeFile(path, await store.get(o.key));
      }
      out.exec(`ATTACH DATABASE '${path.replaceAll("'", "''")}' AS src`);
      try {
        const raw = (out.pragma('src.table_info(chunks)') as Array<{ name: string }>).some((c) => c.name === 'raw_bytes') ? 'raw_bytes' : 'NULL';
        const compacted = isCompacted(o);
        out.transaction(() => {
          out.exec('INSERT OR IGNORE INTO main.series SELECT fp, labels FROM src.series');
          out.exec('INSERT OR IGNORE INTO main.postings SELECT name, value, fp FROM src.postings');
          // a chunk's row is the same in every file naming it: the first one kept
          out.exec(`INSERT OR IGNORE INTO main.chunks SELECT key, fp, from_ns, through_ns, entries, bytes, max_seq, ${raw} FROM src.chunks`);
          // what a merged compacted file covered stays covered: its files may not be deleted yet
          if (compacted) out.exec('INSERT OR REPLACE INTO main.covers SELECT key, version FROM src.covers');
          cover.run(o.key, versionOf(o));
        })();
      } finally {
        out.exec('DETACH DATABASE src');
      }
    }
    out.exec('VACUUM');
    // names sort by time: the newest compacted file lists last
    const key = `${prefix}${COMPACTED_DIR}/${String(Date.now()).padStart(15, '0')}-${randomUUID().slice(0, 8)}.db`;
    await store.put(key, out.serialize());
    return key;
  } finally {
    out.close();
  }
}
