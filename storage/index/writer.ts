// An ingester's index files: rows go into a local SQLite file per tenant and day, and a consistent
// copy of the file is then uploaded whole; when addChunks resolves the rows are durable in the
// object store. A file past SEGMENT_BYTES is sealed and a new segment begins, so uploads stay
// small. Keys: index/<tenant>/<YYYY-MM-DD>/<writerId>-<segment, 4+ digits>.db
import Database from 'better-sqlite3';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkFingerprint } from '../../model/fingerprint.ts';
import { checkSegment, type ObjectStore } from '../object-store.ts';
import { ChunksTable } from './chunks-table.ts';
import { daysOf } from './days.ts';
import { createTables, type ChunkRef } from './schema.ts';
import { SeriesTable } from './series-table.ts';

export const SEGMENT_BYTES = 8 << 20;

interface Segment {
  id: string;
  db: Database.Database;
  key: string;
  series: SeriesTable;
  chunks: ChunksTable;
  /** addChunks calls between their insert and their upload's end. */
  users: number;
  sealed: boolean;
  /** The upload in flight, and the one waiting to start (which later calls may join). */
  running: Promise<void>;
  queued?: Promise<void>;
}

export class IndexWriter {
  private readonly open = new Map<string, Segment>();
  private readonly opening = new Map<string, Promise<Segment>>();
  private readonly segmentBytes: number;

  /** `segmentBytes` is for tests; SEGMENT_BYTES otherwise. */
  constructor(private readonly opts: { dir: string; store: ObjectStore; writerId: string; segmentBytes?: number }) {
    checkSegment('index writer id', opts.writerId);
    this.segmentBytes = opts.segmentBytes ?? SEGMENT_BYTES;
  }

  private segmentOf(name: string): number | undefined {
    const prefix = `${this.opts.writerId}-`;
    if (!name.startsWith(prefix)) return undefined;
    const m = /^(\d+)\.db$/.exec(name.slice(prefix.length));
    return m ? Number(m[1]) : undefined;
  }

  private name(segment: number): string {
    return `${this.opts.writerId}-${String(segment).padStart(4, '0')}.db`;
  }

  /** The open segment of a tenant's day, resuming the newest one this writer left, locally or in the store. */
  private segment(tenant: string, day: string): Promise<Segment> {
    const id = `${tenant}/${day}`;
    const seg = this.open.get(id);
    if (seg) return Promise.resolve(seg);
    let p = this.opening.get(id);
    if (!p) {
      p = this.openSegment(tenant, day, id).finally(() => this.opening.delete(id));
      this.opening.set(id, p);
    }
    return p;
  }

  private async openSegment(tenant: string, day: string, id: string): Promise<Segment> {
    const dir = join(this.opts.dir, tenant, day);
    await mkdir(dir, { recursive: true });
    const local = (await readdir(dir)).map((f) => this.segmentOf(f)).filter((s): s is number => s !== undefined);
    const prefix = `index/${tenant}/${day}/`;
    const remote = (await this.opts.store.list(`${prefix}${this.opts.writerId}-`))
      .map((o) => ({ key: o.key, segment: this.segmentOf(o.key.slice(prefix.length)) }))
      .filter((o): o is { key: string; segment: number } => o.segment !== undefined);
    let segment = Math.max(-1, ...local, ...remote.map((r) => r.segment));
    if (segment < 0) segment = 0;
    else if (!local.includes(segment)) {
      // the local disk lost what the store holds: continue from the store's copy, never overwrite it
      const from = remote.find((r) => r.segment === segment)!;
      const tmp = join(dir, `.download-${this.name(segment)}`);
      await writeFile(tmp, await this.opts.store.get(from.key));
      await rename(tmp, join(dir, this.name(segment)));
    }
    let db = this.openDb(join(dir, this.name(segment)));
    if (fileBytes(db) >= this.segmentBytes) {
      db.close();
      segment++;
      db = this.openDb(join(dir, this.name(segment)));
    }
    const seg: Segment = {
      id,
      db,
      key: `${prefix}${this.name(segment)}`,
      series: new SeriesTable(db, true),
      chunks: new ChunksTable(db, true),
      users: 0,
      sealed: false,
      running: Promise.resolve(),
    };
    this.open.set(id, seg);
    return seg;
  }

  private openDb(path: string): Database.Database {
    const db = new Database(path);
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = FULL');
    createTables(db);
    return db;
  }

  /** Uploads the segment as it is when the upload starts; calls that arrive before then share it. */
  private upload(seg: Segment): Promise<void> {
    if (seg.queued) return seg.queued;
    const next = seg.running
      .catch(() => {})
      .then(() => {
        seg.queued = undefined;
        return this.opts.store.put(seg.key, seg.db.serialize());
      });
    seg.queued = next;
    seg.running = next;
    return next;
  }

  /**
   * Indexes chunks in the file of every (tenant, day) their time range touches. Resolves once
   * every touched file, with these rows, is in the object store. Adding a chunk again is harmless.
   */
  async addChunks(refs: ChunkRef[]): Promise<void> {
    const groups = new Map<string, { tenant: string; day: string; refs: ChunkRef[] }>();
    for (const r of refs) {
      checkSegment('tenant', r.tenant);
      checkFingerprint(r.fingerprint);
      if (r.from > r.through) throw new Error(`chunk ${r.key} ends before it starts`);
      // every day the chunk touches, however many: a capped list would hide the chunk from later days
      for (const day of daysOf(r.from, r.through, Infinity)) {
        const id = `${r.tenant}/${day}`;
        let g = groups.get(id);
        if (!g) groups.set(id, (g = { tenant: r.tenant, day, refs: [] }));
        g.refs.push(r);
      }
    }
    const segs = await Promise.all([...groups.values()].map((g) => this.segment(g.tenant, g.day)));
    const touched: Segment[] = [];
    try {
      [...groups.values()].forEach((g, i) => {
        const seg = segs[i];
        seg.db.transaction(() => {
          for (const r of g.refs) {
            seg.series.add(r.fingerprint, r.labels);
            seg.chunks.add(r.fingerprint, r);
          }
        })();
        seg.users++;
        touched.push(seg);
      });
      await Promise.all(touched.map((seg) => this.upload(seg)));
    } finally {
      for (const seg of touched) {
        seg.users--;
        // sealed from now on: its rows are in the store (or the caller retries them into the next segment)
        if (!seg.sealed && fileBytes(seg.db) >= this.segmentBytes) {
          seg.sealed = true;
          if (this.open.get(seg.id) === seg) this.open.delete(seg.id);
        }
        if (seg.sealed && seg.users === 0 && !seg.queued) seg.db.close();
      }
    }
  }

  /** Closes the local files; uploads already made stay. */
  close(): void {
    for (const seg of this.open.values()) if (seg.db.open) seg.db.close();
    this.open.clear();
  }
}

const fileBytes = (db: Database.Database): number =>
  (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
