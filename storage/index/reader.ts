// Answers a tenant's series and chunk look-ups from the index files of the days a query covers:
// lists each day's files in the object store, reads the current ones of them (a compacted file in
// place of the segments it merged: current.ts), keeps local copies (file-cache.ts), and unions
// what every file says. Only the tenant's own prefix is read. Label names and values are read off
// the series (model/labels.ts), once the querier has added the ingesters' own.
import type { Matcher } from '../../model/matchers.ts';
import { labelsKey, type Labels } from '../../model/labels.ts';
import { checkSegment, type ObjectInfo, type ObjectStore } from '../object-store.ts';
import { openCurrent } from './current.ts';
import { dayOf, daysOf } from './days.ts';
import { FileCache, type IndexFile } from './file-cache.ts';
import { matchingSeries } from './match.ts';
import type { ChunkRef } from './schema.ts';

/** Past this many days a query lists the tenant's whole prefix once rather than each day. */
const LIST_DAYS = 31;

/** storage_config.index_cache_max_bytes's default: what a querier keeps of index files. */
export const INDEX_CACHE_MAX_BYTES = 1024 ** 3;

export class IndexReader {
  private readonly cache: FileCache;

  constructor(private readonly opts: { store: ObjectStore; cacheDir?: string; maxOpenFiles?: number; maxBytes?: number }) {
    this.cache = new FileCache({ store: opts.store, cacheDir: opts.cacheDir, maxOpenFiles: opts.maxOpenFiles ?? 512, maxBytes: opts.maxBytes ?? INDEX_CACHE_MAX_BYTES });
  }

  /** What the cache holds, and how often it dropped files to stay within its bound. */
  cacheStats(): { bytes: number; evictions: number } {
    return { bytes: this.cache.heldBytes(), evictions: this.cache.evictions };
  }

  /** The index objects of a tenant's days covering [from, through). */
  private async objects(tenant: string, from: bigint, through: bigint): Promise<ObjectInfo[]> {
    const prefix = `index/${checkSegment('tenant', tenant)}/`;
    const last = through > from ? through - 1n : from;
    const isIndex = (o: ObjectInfo) => o.key.endsWith('.db');
    const days = daysOf(from, last, LIST_DAYS + 1);
    if (days.length <= LIST_DAYS) return (await Promise.all(days.map((d) => this.opts.store.list(`${prefix}${d}/`)))).flat().filter(isIndex);
    // YYYY-MM-DD names sort as the days do
    const first = dayOf(from);
    const final = dayOf(last);
    return (await this.opts.store.list(prefix)).filter((o) => {
      const day = o.key.slice(prefix.length).split('/')[0];
      return isIndex(o) && day >= first && day <= final;
    });
  }

  private async withFiles<T>(tenant: string, from: bigint, through: bigint, fn: (files: IndexFile[]) => T): Promise<T> {
    const { files, release } = await openCurrent(await this.objects(tenant, from, through), (objects) => this.cache.lease(objects));
    try {
      return fn(files);
    } finally {
      release();
    }
  }

  /** References to the chunks of matching series that overlap [from, through), each key once, by start time. */
  chunks(tenant: string, matchers: Matcher[], from: bigint, through: bigint): Promise<ChunkRef[]> {
    return this.withFiles(tenant, from, through, (files) => {
      const out = new Map<string, ChunkRef>();
      for (const f of files)
        for (const s of matchingSeries(f.series, matchers))
          for (const c of f.chunks.inRange(s.fp, from, through))
            if (!out.has(c.key)) out.set(c.key, { tenant, fingerprint: s.fp, labels: s.labels, ...c });
      return [...out.values()].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    });
  }

  /** Label sets of the matching series with chunks in [from, through). */
  series(tenant: string, matchers: Matcher[], from: bigint, through: bigint): Promise<Labels[]> {
    return this.withFiles(tenant, from, through, (files) => {
      const out = new Map<string, Labels>();
      for (const f of files)
        for (const s of matchingSeries(f.series, matchers))
          if (f.chunks.hasAnyInRange(s.fp, from, through)) out.set(labelsKey(s.labels), s.labels);
      return [...out.values()];
    });
  }

  close(): void {
    this.cache.close();
  }
}
