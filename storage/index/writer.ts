// An ingester's index uploads: the rows of each upload go into a small SQLite file of their own per
// tenant and day, uploaded as a new segment that never changes afterwards. An upload so costs the
// rows it adds, not the day's file (before, the whole day's file was uploaded again on every
// flush); the compactor (storage/index/compact.ts) merges a day's segments into one file.
// When addChunks resolves the rows are durable in the object store.
// Keys: index/<tenant>/<YYYY-MM-DD>/<writerId>-<segment>.db, the segment a number that grows.
import Database from 'better-sqlite3';
import { checkFingerprint } from '../../model/fingerprint.ts';
import { checkSegment, type ObjectStore } from '../object-store.ts';
import { ChunksTable } from './chunks-table.ts';
import { daysOf } from './days.ts';
import { createTables, type ChunkRef } from './schema.ts';
import { SeriesTable } from './series-table.ts';

/** Small pages: a segment holds one upload's rows, and four tables cost four pages at least. */
const SEGMENT_PAGE_SIZE = 1024;

/** Rows added since the day's last upload began, in memory until that upload takes them. */
interface Pending {
  db: Database.Database;
  series: SeriesTable;
  chunks: ChunksTable;
}

interface Day {
  id: string;
  prefix: string;
  pending?: Pending;
  /** The upload in flight, and the one waiting to start (which later calls may join). */
  running: Promise<void>;
  queued?: Promise<void>;
}

export class IndexWriter {
  private readonly days = new Map<string, Day>();
  private lastSegment = 0;
  /** Bytes of segments uploaded, for `muninn status` and the incremental-upload test. */
  uploadedBytes = 0;
  uploads = 0;

  constructor(private readonly opts: { store: ObjectStore; writerId: string }) {
    checkSegment('index writer id', opts.writerId);
  }

  /**
   * A segment number no earlier upload of this writer used: microseconds of the wall clock, or
   * one more than the last. A restarted writer so never writes over a segment it left (unless
   * the clock went back across the restart past the instant of that segment).
   */
  private nextSegment(): number {
    this.lastSegment = Math.max(Date.now() * 1000, this.lastSegment + 1);
    return this.lastSegment;
  }

  private day(tenant: string, day: string): Day {
    const id = `${tenant}/${day}`;
    let d = this.days.get(id);
    if (!d) this.days.set(id, (d = { id, prefix: `index/${tenant}/${day}/`, running: Promise.resolve() }));
    return d;
  }

  private pending(d: Day): Pending {
    if (d.pending) return d.pending;
    const db = new Database(':memory:');
    db.pragma(`page_size = ${SEGMENT_PAGE_SIZE}`);
    createTables(db);
    return (d.pending = { db, series: new SeriesTable(db, true), chunks: new ChunksTable(db, true) });
  }

  /** Uploads the day's pending rows as they are when the upload starts; calls that arrive before then share it. */
  private upload(d: Day): Promise<void> {
    if (d.queued) return d.queued;
    const next = d.running
      .catch(() => {})
      .then(async () => {
        d.queued = undefined;
        const p = d.pending;
        d.pending = undefined;
        if (!p) return;
        const buf = p.db.serialize();
        p.db.close();
        // a failed put loses these rows here: every caller that added them fails and adds them again
        await this.opts.store.put(`${d.prefix}${this.opts.writerId}-${this.nextSegment()}.db`, buf);
        this.uploadedBytes += buf.length;
        this.uploads++;
      })
      .finally(() => {
        if (!d.pending && !d.queued && this.days.get(d.id) === d) this.days.delete(d.id);
      });
    d.queued = next;
    d.running = next;
    return next;
  }

  /**
   * Indexes chunks in the file of every (tenant, day) their time range touches. Resolves once
   * every touched day's rows are in the object store. Adding a chunk again is harmless.
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
    // inserted and queued in one turn of the loop: no upload can start between a day's rows and its queueing
    const uploads = [...groups.values()].map((g) => {
      const d = this.day(g.tenant, g.day);
      const p = this.pending(d);
      p.db.transaction(() => {
        for (const r of g.refs) {
          p.series.add(r.fingerprint, r.labels);
          p.chunks.add(r.fingerprint, r);
        }
      })();
      return this.upload(d);
    });
    await Promise.all(uploads);
  }

  /** Drops rows not yet uploaded (their addChunks calls are still waiting); uploads already made stay. */
  close(): void {
    for (const d of this.days.values()) d.pending?.db.close();
    this.days.clear();
  }
}
