// Compaction of one tenant's day of index files, as Loki's compactor does for a table: the current
// files (current.ts) are merged into one new compacted file, each series, posting and chunk
// reference once, which names every file it merged with its version; files so covered are deleted
// only `deleteDelayMs` after the first compacted file covering them appeared, so a query that
// listed them before can still read them.
//
// An edit (retention, deletes) changes the merged rows before the file is written: it drops chunk
// references and may add others. The chunks it drops are listed in the file's dropped_chunks
// table, which later merges carry on, and their objects are deleted `deleteDelayMs` after the
// first file without their rows appeared: by then every file naming them is covered past its own
// delay, so no query still reads a row naming them. A chunk a current row names again (an
// ingester flushed it anew) is not deleted, and a chunk spanning several days only once no other
// day's current files name it. The next file written no longer lists the chunks deleted.
//
// What a failure leaves, at any step: before the compacted file's put resolves, the store is as it
// was (a put is whole or absent), but for dropped chunks deleted, which the last file still lists;
// after, readers read the compacted file and skip what it covers, and the covered files stay until
// a later run deletes them. The work is redone by the next run from what the store holds: nothing
// else is remembered.
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectInfo, ObjectStore } from '../object-store.ts';
import { COMPACTED_DIR, COVERS_DDL, isCompacted, isCovered, isIndexFile, versionOf, type Covers } from './current.ts';
import { daysOf } from './days.ts';
import { createTables } from './schema.ts';

/** A compacted file's chunks dropped by an edit and not yet deleted; at_ms NULL: when the file holding the row appeared. */
const DROPPED_DDL =
  'CREATE TABLE IF NOT EXISTS dropped_chunks (key TEXT PRIMARY KEY, from_ns INTEGER NOT NULL, through_ns INTEGER NOT NULL, at_ms INTEGER) WITHOUT ROWID;';

/** A change to a day's merged rows, made before the day's compacted file is written. */
export interface DayEdit {
  /**
   * Changes the merged rows (tables series, postings, chunks, covers) in place, in a transaction:
   * it may delete chunk rows and insert chunk, series and postings rows. Returns the keys of
   * deleted chunk rows whose objects are to be deleted, once no query can still read a row naming
   * them. Series left without chunks are removed after it. A day it changes nothing of is not
   * written anew.
   */
  apply(db: Database.Database): { droppedChunks: string[] };
}

export interface CompactOptions {
  workDir: string;
  deleteDelayMs: number;
  now?: number;
  edit?: DayEdit;
}

export interface CompactResult {
  /** Files merged into a new compacted file (0 when nothing was written). */
  merged: number;
  /** The compacted file written, if any. */
  written?: string;
  /** Index files deleted: covered ones, their delay past, and an emptied day's. */
  deleted: number;
  /** Chunk references the edit dropped. */
  droppedChunks: number;
  /** Chunk objects deleted, their delay past. */
  chunksDeleted: number;
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

/** A day's index files as a run finds them. */
interface DayFiles {
  objects: ObjectInfo[];
  covers: Covers;
  /** When the first compacted file covering each covered key appeared. */
  coveredSince: Map<string, number>;
  /** The files a reader reads, compacted ones first. */
  live: ObjectInfo[];
  /** Downloads of the compacted files, by key. */
  local: Map<string, string>;
  /** Dropped chunks the live compacted files list. */
  pending: number;
}

/** Lists the day and reads every compacted file's covers (downloading it into `dir`). */
async function readDay(store: ObjectStore, prefix: string, dir: string): Promise<DayFiles> {
  const objects = (await store.list(prefix)).filter(isIndexFile);
  const covers: Covers = new Map();
  const coveredSince = new Map<string, number>();
  const local = new Map<string, string>();
  const dropped = new Map<string, number>();
  for (const c of objects.filter(isCompacted)) {
    const path = join(dir, `${randomUUID()}.db`);
    await writeFile(path, await store.get(c.key));
    local.set(c.key, path);
    const db = new Database(path, { readonly: true });
    try {
      for (const r of db.prepare<[], { key: string; version: string }>('SELECT key, version FROM covers').all()) {
        covers.set(r.key, r.version);
        coveredSince.set(r.key, Math.min(coveredSince.get(r.key) ?? Infinity, c.modified.getTime()));
      }
      if (hasTable(db, 'dropped_chunks')) dropped.set(c.key, db.prepare('SELECT count(*) FROM dropped_chunks').pluck().get() as number);
    } finally {
      db.close();
    }
  }
  const live = objects.filter((o) => !isCovered(o, covers)).sort((a, b) => Number(isCompacted(b)) - Number(isCompacted(a)));
  const pending = live.reduce((n, o) => n + (dropped.get(o.key) ?? 0), 0);
  return { objects, covers, coveredSince, live, local, pending };
}

/** Compacts the day under `prefix` (`index/<tenant>/<day>/`), working in `workDir`; applies `edit` if given. */
export async function compactDay(store: ObjectStore, prefix: string, opts: CompactOptions): Promise<CompactResult> {
  const now = opts.now ?? Date.now();
  const dir = join(opts.workDir, randomUUID());
  await mkdir(dir, { recursive: true });
  try {
    const day = await readDay(store, prefix, dir);
    const result: CompactResult = { merged: 0, deleted: 0, droppedChunks: 0, chunksDeleted: 0 };
    let empty = false;
    if (day.live.length > 1 || opts.edit || day.pending > 0) {
      const out = await merge(store, day, dir);
      try {
        let changed = day.live.length > 1;
        if (opts.edit) {
          const edited = applyEdit(out, opts.edit);
          result.droppedChunks = edited.dropped;
          changed ||= edited.changed;
        }
        // a chunk a current row names again is live: it must not be deleted
        changed = out.prepare('DELETE FROM dropped_chunks WHERE key IN (SELECT key FROM chunks)').run().changes > 0 || changed;
        const gone = await deleteDueChunks(store, prefix, out, now - opts.deleteDelayMs, dir);
        result.chunksDeleted = gone;
        changed ||= gone > 0;
        empty = out.prepare('SELECT (SELECT count(*) FROM chunks) + (SELECT count(*) FROM dropped_chunks)').pluck().get() === 0;
        // an emptied day is not written again when every file of it can go now
        if (changed && !(empty && day.objects.every((o) => pastDelay(o, day, now, opts.deleteDelayMs)))) {
          result.written = await upload(store, prefix, out);
          result.merged = day.live.length;
        }
      } finally {
        out.close();
      }
    }
    // what every reader skips, long enough that a query which listed it before has finished; a
    // day with no rows left goes whole, its current file too (a query that listed it just
    // before finds it gone, fails and is retried)
    for (const o of day.objects) {
      if (!(isCovered(o, day.covers) || (empty && !result.written)) || !pastDelay(o, day, now, opts.deleteDelayMs)) continue;
      await store.delete(o.key);
      result.deleted++;
    }
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether a file has been skipped (if covered) or listed (if not) by every reader for the delay. */
const pastDelay = (o: ObjectInfo, day: DayFiles, now: number, delayMs: number): boolean =>
  now - (isCovered(o, day.covers) ? day.coveredSince.get(o.key)! : o.modified.getTime()) >= delayMs;

/**
 * The live files merged into one local database: a copy of a compacted file (the day's bulk,
 * copied rather than read row by row) with the other files' rows added.
 */
async function merge(store: ObjectStore, day: DayFiles, dir: string): Promise<Database.Database> {
  const path = join(dir, 'out.db');
  const [first, ...rest] = day.live;
  const base = first && isCompacted(first) ? first : undefined;
  if (base) await copyFile(day.local.get(base.key)!, path);
  const out = new Database(path);
  try {
    out.pragma('journal_mode = OFF');
    out.pragma('synchronous = OFF');
    createTables(out);
    out.exec(COVERS_DDL + DROPPED_DDL);
    const cover = out.prepare('INSERT OR REPLACE INTO covers (key, version) VALUES (?, ?)');
    if (base) {
      out.prepare('UPDATE dropped_chunks SET at_ms = ? WHERE at_ms IS NULL').run(base.modified.getTime());
      cover.run(base.key, versionOf(base));
    }
    for (const o of base ? rest : day.live) {
      let src = day.local.get(o.key);
      if (!src) {
        src = join(dir, `in-${randomUUID()}.db`);
        await writeFile(src, await store.get(o.key));
      }
      out.exec(`ATTACH DATABASE '${src.replaceAll("'", "''")}' AS src`);
      try {
        const raw = (out.pragma('src.table_info(chunks)') as Array<{ name: string }>).some((c) => c.name === 'raw_bytes') ? 'raw_bytes' : 'NULL';
        const compacted = isCompacted(o);
        const dropped = compacted && hasTable(out, 'dropped_chunks', 'src');
        out.transaction(() => {
          out.exec('INSERT OR IGNORE INTO main.series SELECT fp, labels FROM src.series');
          out.exec('INSERT OR IGNORE INTO main.postings SELECT name, value, fp FROM src.postings');
          // a chunk's row is the same in every file naming it: the first one kept
          out.exec(`INSERT OR IGNORE INTO main.chunks SELECT key, fp, from_ns, through_ns, entries, bytes, max_seq, ${raw} FROM src.chunks`);
          // what a merged compacted file covered stays covered: its files may not be deleted yet
          if (compacted) out.exec('INSERT OR REPLACE INTO main.covers SELECT key, version FROM src.covers');
          // its dropped chunks stay listed, each with the later of the times it was dropped
          if (dropped)
            out
              .prepare(
                `INSERT INTO main.dropped_chunks SELECT key, from_ns, through_ns, coalesce(at_ms, ?) FROM src.dropped_chunks WHERE true
                 ON CONFLICT (key) DO UPDATE SET at_ms = max(at_ms, excluded.at_ms)`,
              )
              .run(o.modified.getTime());
          cover.run(o.key, versionOf(o));
        })();
      } finally {
        out.exec('DETACH DATABASE src');
      }
    }
    return out;
  } catch (err) {
    out.close();
    throw err;
  }
}

/** Runs the edit; whether it changed any row, and how many chunks it dropped (listed in dropped_chunks). */
function applyEdit(out: Database.Database, edit: DayEdit): { changed: boolean; dropped: number } {
  // the deleted rows' time ranges, which say what other days name a dropped chunk
  out.exec(`CREATE TEMP TABLE deleted (key TEXT PRIMARY KEY, from_ns INTEGER, through_ns INTEGER);
    CREATE TEMP TRIGGER note_deleted AFTER DELETE ON main.chunks BEGIN
      INSERT OR REPLACE INTO deleted VALUES (old.key, old.from_ns, old.through_ns);
    END;`);
  const changes = () => out.prepare('SELECT total_changes()').pluck().get() as number;
  const count = out.prepare('SELECT count(*) FROM temp.deleted').pluck();
  return out.transaction(() => {
    const before = changes();
    const { droppedChunks } = edit.apply(out);
    // the trigger's own inserts are changes too
    const changed = changes() - before - (count.get() as number) > 0;
    out.exec('DROP TRIGGER temp.note_deleted');
    const note = out.prepare(
      `INSERT INTO dropped_chunks SELECT key, from_ns, through_ns, NULL FROM temp.deleted WHERE key = ?
       ON CONFLICT (key) DO UPDATE SET at_ms = NULL`,
    );
    for (const key of droppedChunks) if (note.run(key).changes === 0) throw new Error(`the index edit dropped chunk ${key}, which had no row in the day`);
    if (changed) {
      out.exec('DELETE FROM series WHERE fp NOT IN (SELECT fp FROM chunks)');
      out.exec('DELETE FROM postings WHERE fp NOT IN (SELECT fp FROM series)');
    }
    out.exec('DROP TABLE temp.deleted');
    return { changed, dropped: droppedChunks.length };
  })();
}

/**
 * Deletes the chunk objects dropped before `cutoff` that no current row of another day names (a
 * chunk spanning midnight is indexed in each day it touches), and stops listing them. How many.
 */
async function deleteDueChunks(store: ObjectStore, prefix: string, out: Database.Database, cutoff: number, dir: string): Promise<number> {
  const due = out
    .prepare<[number], { key: string; from_ns: bigint; through_ns: bigint }>('SELECT key, from_ns, through_ns FROM dropped_chunks WHERE at_ms <= ?')
    .safeIntegers(true)
    .all(cutoff);
  if (due.length === 0) return 0;
  const [, tenant, today] = prefix.split('/');
  const elsewhere = new Map<string, string[]>();
  for (const c of due)
    for (const d of daysOf(c.from_ns, c.through_ns))
      if (d !== today) elsewhere.set(d, [...(elsewhere.get(d) ?? []), c.key]);
  const named = new Set<string>();
  for (const [d, keys] of elsewhere) for (const k of await currentlyNamed(store, `index/${tenant}/${d}/`, keys, join(dir, d))) named.add(k);
  const unlist = out.prepare('DELETE FROM dropped_chunks WHERE key = ?');
  let gone = 0;
  for (const c of due) {
    if (named.has(c.key)) continue;
    await store.delete(c.key);
    unlist.run(c.key);
    gone++;
  }
  return gone;
}

/** Which of `keys` a current file of the day under `prefix` names. */
async function currentlyNamed(store: ObjectStore, prefix: string, keys: string[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const day = await readDay(store, prefix, dir);
  const named = new Set<string>();
  for (const o of day.live) {
    let path = day.local.get(o.key);
    if (!path) await writeFile((path = join(dir, `${randomUUID()}.db`)), await store.get(o.key));
    const db = new Database(path, { readonly: true });
    try {
      const has = db.prepare('SELECT 1 FROM chunks WHERE key = ?').pluck();
      for (const k of keys) if (has.get(k) !== undefined) named.add(k);
    } finally {
      db.close();
    }
  }
  return [...named];
}

/** Puts the merged database as the day's newest compacted file; its key. */
async function upload(store: ObjectStore, prefix: string, out: Database.Database): Promise<string> {
  out.exec('VACUUM');
  // names sort by time: the newest compacted file lists last
  const key = `${prefix}${COMPACTED_DIR}/${String(Date.now()).padStart(15, '0')}-${randomUUID().slice(0, 8)}.db`;
  await store.put(key, out.serialize());
  return key;
}

const hasTable = (db: Database.Database, name: string, schema = 'main'): boolean =>
  db.prepare(`SELECT 1 FROM ${schema}.sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
