// A querier's copies of index files: downloaded into a cache directory (or held in memory when
// there is none), reopened only when the store's etag or size changes, and leased to queries so
// that a file replaced by a newer copy is closed only once no query is reading it. The copies are
// bounded in bytes (storage_config.index_cache_max_bytes): past it the least recently used ones
// that no query reads are closed and their downloads deleted.
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectInfo, ObjectStore } from '../object-store.ts';
import { ChunksTable } from './chunks-table.ts';
import { versionOf, type Covers } from './current.ts';
import { SCHEMA_VERSION } from './schema.ts';
import { SeriesTable } from './series-table.ts';

/** Tries at reading an index file whole before a query gives up on it. */
const DOWNLOAD_ATTEMPTS = 5;

export interface IndexFile {
  key: string;
  series: SeriesTable;
  chunks: ChunksTable;
  /** What a compacted file covers (current.ts); empty for a segment. */
  covers: Covers;
}

interface Entry extends IndexFile {
  version: string;
  db: Database.Database;
  /** Its size, counted against maxBytes. */
  bytes: number;
  /** Its download in the cache directory, if any. */
  path?: string;
  users: number;
  stale: boolean;
}

export class FileCache {
  /** Open files by object key, least recently used first. */
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  /** Bytes of the entries held. */
  private bytes = 0;
  /** Entries closed to stay within the bound, since start. */
  evictions = 0;

  constructor(private readonly opts: { store: ObjectStore; cacheDir?: string; maxOpenFiles: number; maxBytes: number }) {}

  /** Bytes of index files held now (open or downloaded). */
  heldBytes(): number {
    return this.bytes;
  }

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
    // close the least recently used files past the limits, and delete their downloads
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.opts.maxOpenFiles && this.bytes <= this.opts.maxBytes) break;
      if (e.users > 0) continue;
      this.entries.delete(key);
      this.drop(e);
      this.evictions++;
    }
  }

  /** Forgets an entry no query reads: closed, its bytes uncounted, its download deleted. */
  private drop(e: Entry): void {
    e.db.close();
    this.bytes -= e.bytes;
    // a querier thread sharing the directory and reading this copy keeps its open inode
    if (e.path) for (const f of [`${e.path}.version`, e.path]) rmSync(f, { force: true });
  }

  private entry(o: ObjectInfo): Promise<Entry> {
    const version = versionOf(o);
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
    let bytes: number;
    let path: string | undefined;
    if (!this.opts.cacheDir) {
      const data = await this.download(key);
      bytes = data.length;
      db = new Database(data, { readonly: true });
    } else {
      path = join(this.opts.cacheDir, ...key.split('/'));
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
      bytes = Number(version.split(':')[0]);
    }
    const schema = db.pragma('user_version', { simple: true }) as number;
    if (schema > SCHEMA_VERSION) {
      db.close();
      throw new Error(`index file ${key} has schema ${schema}, newer than this Muninn knows (${SCHEMA_VERSION})`);
    }
    const e: Entry = { key, version, db, bytes, path, users: 0, stale: false, series: new SeriesTable(db, false), chunks: new ChunksTable(db, false), covers: coversOf(db) };
    this.bytes += bytes;
    const old = this.entries.get(key);
    if (old && old !== e) {
      old.stale = true;
      this.bytes -= old.bytes;
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
    this.bytes = 0;
  }
}

/** A compacted file's covers table (current.ts); none in a segment. */
function coversOf(db: Database.Database): Covers {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'covers'").get() !== undefined;
  if (!has) return new Map();
  return new Map(db.prepare<[], { key: string; version: string }>('SELECT key, version FROM covers').all().map((r) => [r.key, r.version]));
}

/** A SQLite image is whole when its length is the page count its header gives times the page size. */
function isWholeDatabase(b: Buffer): boolean {
  if (b.length < 100 || b.toString('latin1', 0, 15) !== 'SQLite format 3') return false;
  const pageSize = b.readUInt16BE(16) === 1 ? 65536 : b.readUInt16BE(16);
  return b.readUInt32BE(28) * pageSize === b.length;
}
