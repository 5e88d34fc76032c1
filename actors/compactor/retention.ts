// Retention, as Loki's compactor applies it (compactor.retention_enabled): a chunk is expired when
// its last entry is older than its stream's period, which is the one of the tenant's
// retention_stream rules matching the stream with the highest priority (of equal priorities, the
// shortest period), else the tenant's retention_period; 0 keeps it for ever. Each run hands every
// day that may hold expired chunks an index edit (storage/index/compact.ts) that drops their rows;
// their objects are deleted once no query can still read those rows. As Loki's DropFromIndex, a
// row whose chunk goes on into later days is dropped, its object kept, once the day itself is out
// of retention: the later days still name the chunk.
import type Database from 'better-sqlite3';
import { durationMs, type Config } from '../../config/index.ts';
import { parseMatchers } from '../../logql/parser/index.ts';
import { parseLabels, type Labels } from '../../model/labels.ts';
import { compileMatchers } from '../../model/matchers.ts';
import type { DayEdit } from '../../storage/index.ts';

type Limits = Config['limits_config'];

const DAY_MS = 86_400_000;
const NS_PER_MS = 1_000_000n;

interface Rules {
  /** The tenant's retention_period, ms. */
  periodMs: number;
  streams: Array<{ matches: (labels: Labels) => boolean; priority: number; periodMs: number }>;
  /** The shortest period above 0: days starting before now minus it may hold expired chunks. */
  shortestMs: number;
}

export class Retention {
  /** Compiled rules by the limits object they came from: a runtime config reload makes new ones. */
  private readonly compiled = new WeakMap<Limits, Rules>();

  constructor(private readonly limits: (tenant: string) => Limits) {}

  private rules(tenant: string): Rules {
    const limits = this.limits(tenant);
    let r = this.compiled.get(limits);
    if (!r) {
      const streams = limits.retention_stream.map((s) => ({ matches: compileMatchers(parseMatchers(s.selector)), priority: s.priority, periodMs: durationMs(s.period) }));
      const periods = [durationMs(limits.retention_period), ...streams.map((s) => s.periodMs)].filter((p) => p > 0);
      r = { periodMs: durationMs(limits.retention_period), streams, shortestMs: periods.length ? Math.min(...periods) : Infinity };
      this.compiled.set(limits, r);
    }
    return r;
  }

  /** A stream's retention period in ms (0: for ever), by Loki's rule. */
  periodFor(tenant: string, labels: Labels): number {
    const rules = this.rules(tenant);
    let best: Rules['streams'][number] | undefined;
    for (const s of rules.streams) {
      if (!s.matches(labels)) continue;
      if (!best || s.priority > best.priority || (s.priority === best.priority && s.periodMs < best.periodMs)) best = s;
    }
    return best ? best.periodMs : rules.periodMs;
  }

  /** The edit expiring a tenant's day (`YYYY-MM-DD`) at `now`; undefined when no chunk of it can have expired. */
  editFor(tenant: string, day: string, now: number): DayEdit | undefined {
    const start = Date.parse(`${day}T00:00:00Z`);
    if (!(start < now - this.rules(tenant).shortestMs)) return undefined;
    const lastNs = BigInt(start + DAY_MS) * NS_PER_MS - 1n;
    return {
      apply: (db: Database.Database) => {
        const expire = db.prepare<[string, bigint], string>('DELETE FROM chunks WHERE fp = ? AND through_ns < ? RETURNING key').pluck();
        const unindex = db.prepare<[string, bigint]>('DELETE FROM chunks WHERE fp = ? AND through_ns > ?');
        const droppedChunks: string[] = [];
        for (const s of db.prepare<[], { fp: string; labels: string }>('SELECT fp, labels FROM series').all()) {
          const period = this.periodFor(tenant, parseLabels(s.labels));
          if (period <= 0) continue;
          // Loki: expired when now - through > period
          droppedChunks.push(...expire.all(s.fp, BigInt(now - period) * NS_PER_MS));
          if (now - period > start + DAY_MS - 1) unindex.run(s.fp, lastNs);
        }
        return { droppedChunks };
      },
    };
  }
}
