// Reads the index files of a tenant's days from the object store, keeping each opened file until
// its etag changes, and answers series, chunk, label-name and label-value look-ups over them.
import Database from 'better-sqlite3';
import type { Matcher } from '../../logql/ast.ts';
import type { Labels } from '../../logql/batch.ts';
import { labelsKey, parseLabels } from '../../logql/labels.ts';
import { compileMatcher, compileMatchers } from '../../logql/matchers.ts';
import type { ObjectStore } from '../object-store.ts';
import { daysOf, type ChunkRef } from './schema.ts';

interface Cached {
  etag: string;
  db: Database.Database;
}

interface Series {
  fp: string;
  labels: Labels;
}

export class IndexReader {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly opts: { store: ObjectStore }) {}

  /** The open files of a tenant for a time range, refreshed where the store holds a newer copy. */
  private async files(tenant: string, from: bigint, through: bigint): Promise<Database.Database[]> {
    const days = new Set(daysOf(from, through));
    const prefix = `index/${tenant}/`;
    const listed = (await this.opts.store.list(prefix)).filter((o) => days.has(o.key.slice(prefix.length, prefix.length + 10)));
    return Promise.all(
      listed.map(async (o) => {
        const c = this.cache.get(o.key);
        if (c && c.etag === o.etag) return c.db;
        const db = new Database(await this.opts.store.get(o.key), { readonly: true });
        c?.db.close();
        this.cache.set(o.key, { etag: o.etag, db });
        return db;
      }),
    );
  }

  /** The series of one file matching every matcher. */
  private matching(db: Database.Database, matchers: Matcher[]): Series[] {
    let candidates: Set<string> | undefined;
    for (const m of matchers) {
      const test = compileMatcher(m);
      if (test('')) continue; // also matches series without the label: decided below on full labels
      let fps: string[];
      if (m.op === '=') fps = db.prepare('SELECT fp FROM postings WHERE name = ? AND value = ?').pluck().all(m.name, m.value) as string[];
      else {
        const values = (db.prepare('SELECT DISTINCT value FROM postings WHERE name = ?').pluck().all(m.name) as string[]).filter(test);
        const stmt = db.prepare('SELECT fp FROM postings WHERE name = ? AND value = ?').pluck();
        fps = values.flatMap((v) => stmt.all(m.name, v) as string[]);
      }
      const next = new Set(fps);
      candidates = candidates ? new Set([...candidates].filter((fp) => next.has(fp))) : next;
      if (candidates.size === 0) return [];
    }
    const rows = candidates
      ? [...candidates].map((fp) => ({ fp, labels: db.prepare('SELECT labels FROM series WHERE fp = ?').pluck().get(fp) as string }))
      : (db.prepare('SELECT fp, labels FROM series').all() as Array<{ fp: string; labels: string }>);
    const all = compileMatchers(matchers);
    return rows.filter((r) => r.labels !== undefined).map((r) => ({ fp: r.fp, labels: parseLabels(r.labels) })).filter((s) => all(s.labels));
  }

  async chunks(tenant: string, matchers: Matcher[], from: bigint, through: bigint): Promise<ChunkRef[]> {
    const out = new Map<string, ChunkRef>();
    for (const db of await this.files(tenant, from, through)) {
      const stmt = db
        .prepare('SELECT key, from_ns, through_ns, entries, bytes, max_seq FROM chunks WHERE fp = ? AND through_ns >= ? AND from_ns < ?')
        .safeIntegers(true);
      for (const s of this.matching(db, matchers))
        for (const r of stmt.all(s.fp, from, through) as Array<Record<string, bigint | string>>)
          out.set(r.key as string, {
            tenant,
            fingerprint: s.fp,
            labels: s.labels,
            key: r.key as string,
            from: r.from_ns as bigint,
            through: r.through_ns as bigint,
            entries: Number(r.entries),
            bytes: Number(r.bytes),
            maxSeq: Number(r.max_seq),
          });
    }
    return [...out.values()].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  }

  /** Label sets of the series with chunks in range. */
  async series(tenant: string, matchers: Matcher[], from: bigint, through: bigint): Promise<Labels[]> {
    const out = new Map<string, Labels>();
    for (const ref of await this.chunks(tenant, matchers, from, through)) out.set(labelsKey(ref.labels), ref.labels);
    return [...out.values()];
  }

  async labelNames(tenant: string, from: bigint, through: bigint): Promise<string[]> {
    const names = new Set<string>();
    for (const l of await this.series(tenant, [], from, through)) for (const [n] of l) names.add(n);
    return [...names].sort();
  }

  async labelValues(tenant: string, name: string, from: bigint, through: bigint, matchers: Matcher[] = []): Promise<string[]> {
    const values = new Set<string>();
    for (const l of await this.series(tenant, matchers, from, through)) for (const [n, v] of l) if (n === name) values.add(v);
    return [...values].sort();
  }

  close(): void {
    for (const c of this.cache.values()) c.db.close();
    this.cache.clear();
  }
}
