// A querier's copies of index files: downloaded into a cache directory (or held in memory when
// there is none), reopened only when the store's etag or size changes, and leased to queries so
// that a file replaced by a newer copy is closed only once no query is reading it.
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectInfo, ObjectStore } from '../object-store.ts';
import { ChunksTable } from './chunks-table.ts';
import { SCHEMA_VERSION } from './schema.ts';
import { SeriesTable } from './series-table.ts';

/** Tries at reading an index file whole before a query gives up on it. */
const DOWNLOAD_ATTEMPTS = 5;

export interface IndexFile {
  key: string;
  series: SeriesTable;
  chunks: ChunksTable;
}

interface Entry extends IndexFile {
  version: string;
  db: Database.Database;
  users: number;
  stale: boolean;
}

export class FileCache {
  /** Open files by object key, least recently used first. */
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();

  constructor(private readonly opts: { store: ObjectStore; cacheDir?: string; maxOpenFiles: number }) {}

  /** Opens (downloading where needed) every listed file; call `release` when done with them. */
  async lease(objects: ObjectInfo[]): Promise<{ files: IndexFile[]; release: () => void }> {
    const got = await Promise.allSettled(objects.map((o) => this.acquire(o)));
    const files: Entry[] = [];
    for (const r of got) if (r.status === 'fulfilled') files.push(r.value);
    const failed = got.find((r) => r.status === 'rejected');
    if (failed) {
      this.release(files);
      throw (failed as PromiseRejectedResult).reason;
    }
    return { files, release: () => this.release(files) };
  }

  /** An open entry, counted as in use in the same step that checks it is still open. */
  private async acquire(o: ObjectInfo): Promise<Entry> {
    for (;;) {
      const e = await this.entry(o);
      if (e.db.open) {
        e.users++;
        return e;
      }
      // closed while we waited (evicted, or replaced by a newer copy): open it again
    }
  }

  private release(files: Entry[]): void {
    for (const e of files) {
      e.users--;
      if (e.stale && e.users === 0) e.db.close();
    }
    // close the least recently used files past the limit; their downloads stay on disk
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.opts.maxOpenFiles) break;
      if (e.users > 0) continue;
      this.entries.delete(key);
      e.db.close();
    }
  }

  private entry(o: ObjectInfo): Promise<Entry> {
    const version = `${o.size}:${o.etag}`;
    const have = this.entries.get(o.key);
    if (have && have.version === version) {
      this.entries.delete(o.key); // re-inserted last: most recently used
      this.entries.set(o.key, have);
      return Promise.resolve(have);
    }
    const id = `${o.key}\n${version}`;
    let p = this.loading.get(id);
    if (!p) {
      p = this.load(o.key, version).finally(() => this.loading.delete(id));
      this.loading.set(id, p);
    }
    return p;
  }

  private async load(key: string, version: string): Promise<Entry> {
    let db: Database.Database;
    if (!this.opts.cacheDir) db = new Database(await this.download(key), { readonly: true });
    else {
      const path = join(this.opts.cacheDir, ...key.split('/'));
      // a copy left by an earlier run is reused when the store still holds that version
      const known = await readFile(`${path}.version`, 'utf8').catch(() => undefined);
      if (known !== version) {
        await mkdir(join(path, '..'), { recursive: true });
        // several querier threads share the cache directory: each downloads under a name of its own
        const tmp = `${path}.${randomUUID()}.download`;
        await writeFile(tmp, await this.download(key));
        await rm(`${path}.version`, { force: true });
        // an open older copy keeps its inode: queries reading it are not disturbed
        await rename(tmp, path);
        await writeFile(`${path}.version`, version);
      }
      db = new Database(path, { readonly: true, fileMustExist: true });
    }
    const schema = db.pragma('user_version', { simple: true }) as number;
    if (schema > SCHEMA_VERSION) {
      db.close();
      throw new Error(`index file ${key} has schema ${schema}, newer than this Muninn knows (${SCHEMA_VERSION})`);
    }
    const e: Entry = { key, version, db, users: 0, stale: false, series: new SeriesTable(db, false), chunks: new ChunksTable(db, false) };
    const old = this.entries.get(key);
    if (old && old !== e) {
      old.stale = true;
      if (old.users === 0) old.db.close();
    }
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  /**
   * The object, whole: a copy read while it was being rewritten (a store whose writes are not
   * atomic, as some S3 servers' are not) is cut short, and is read again rather than cached.
   */
  private async download(key: string): Promise<Buffer> {
    for (let attempt = 1; ; attempt++) {
      const data = await this.opts.store.get(key);
      if (isWholeDatabase(data)) return data;
      if (attempt === DOWNLOAD_ATTEMPTS) throw new Error(`index file ${key} is not a whole SQLite database (${data.length} bytes)`);
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }

  close(): void {
    for (const e of this.entries.values()) if (e.users === 0) e.db.close();
    else e.stale = true;
    this.entries.clear();
  }
}

/** A SQLite image is whole when its length is the page count its header gives times the page size. */
function isWholeDatabase(b: Buffer): boolean {
  if (b.length < 100 || b.toString('latin1', 0, 15) !== 'SQLite format 3') return false;
  const pageSize = b.readUInt16BE(16) === 1 ? 65536 : b.readUInt16BE(16);
  return b.readUInt32BE(28) * pageSize === b.length;
}
