// An ingester's index files: rows go into a local SQLite file per tenant and day, and the file is
// then uploaded whole; when addChunks resolves the rows are durable in the object store.
// A file past SEGMENT_BYTES is sealed and a new segment begins, so uploads stay small.
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatLabels } from '../../logql/labels.ts';
import type { ObjectStore } from '../object-store.ts';
import { daysOf, SCHEMA, type ChunkRef } from './schema.ts';

export const SEGMENT_BYTES = 8 << 20;

interface OpenFile {
  db: Database.Database;
  path: string;
  key: string;
}

export class IndexWriter {
  private readonly files = new Map<string, OpenFile>();

  constructor(private readonly opts: { dir: string; store: ObjectStore; writerId: string }) {}

  private open(tenant: string, day: string): OpenFile {
    const id = `${tenant}/${day}`;
    const open = this.files.get(id);
    if (open && statSync(open.path).size < SEGMENT_BYTES) return open;
    if (open) open.db.close();
    const dir = join(this.opts.dir, tenant, day);
    mkdirSync(dir, { recursive: true });
    const mine = readdirSync(dir)
      .map((f) => new RegExp(`^${this.opts.writerId}-(\\d+)\\.db$`).exec(f))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => Number(m[1]));
    let segment = mine.length ? Math.max(...mine) : 0;
    const name = (s: number) => `${this.opts.writerId}-${String(s).padStart(4, '0')}.db`;
    if (mine.length && statSync(join(dir, name(segment))).size >= SEGMENT_BYTES) segment++;
    const path = join(dir, name(segment));
    const db = new Database(path);
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    const f = { db, path, key: `index/${tenant}/${day}/${name(segment)}` };
    this.files.set(id, f);
    return f;
  }

  async addChunks(refs: ChunkRef[]): Promise<void> {
    const touched = new Set<OpenFile>();
    const byFile = new Map<OpenFile, ChunkRef[]>();
    for (const r of refs)
      for (const day of daysOf(r.from, r.through)) {
        const f = this.open(r.tenant, day);
        const list = byFile.get(f) ?? [];
        list.push(r);
        byFile.set(f, list);
      }
    for (const [f, list] of byFile) {
      const series = f.db.prepare('INSERT OR IGNORE INTO series (fp, labels) VALUES (?, ?)');
      const posting = f.db.prepare('INSERT OR IGNORE INTO postings (name, value, fp) VALUES (?, ?, ?)');
      const chunk = f.db.prepare(
        'INSERT OR REPLACE INTO chunks (key, fp, from_ns, through_ns, entries, bytes, max_seq) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      f.db.transaction(() => {
        for (const r of list) {
          series.run(r.fingerprint, formatLabels(r.labels));
          for (const [n, v] of r.labels) posting.run(n, v, r.fingerprint);
          chunk.run(r.key, r.fingerprint, r.from, r.through, r.entries, r.bytes, r.maxSeq);
        }
      })();
      touched.add(f);
    }
    // the upload is the durable copy: a consistent image of each touched file
    await Promise.all([...touched].map((f) => this.opts.store.put(f.key, f.db.serialize())));
  }

  close(): void {
    for (const f of this.files.values()) f.db.close();
    this.files.clear();
  }
}

