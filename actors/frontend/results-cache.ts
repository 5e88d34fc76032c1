// What the frontend keeps in the results cache and under which key: a metric query's answer per
// split interval (and stream shard), a log query's piece when it is empty, a /series or /labels
// answer whole. Only answers about time older than max_cache_freshness_per_query are kept (data
// may still arrive for newer), and only answers the queriers gave without a warning (a partial
// answer must not outlive the outage that made it). A key names the tenant's delete requests
// (their generation, as Loki's cache generation number): a request added or cancelled makes every
// answer cached before it a miss.
import { decode, encode, type QueryRequest, type ResultsCache } from '../../bus/index.ts';
import { msToNs } from '../../model/time.ts';
import type { Metrics } from '../metrics.ts';

/** What a query's answer says of the cache in Loki's `stats.cache.result`. */
export interface CacheStats {
  entriesFound: number;
  entriesRequested: number;
  entriesStored: number;
  bytesReceived: number;
  bytesSent: number;
  requests: number;
  /** ns spent on lookups. */
  downloadTime: number;
}

export const newCacheStats = (): CacheStats => ({ entriesFound: 0, entriesRequested: 0, entriesStored: 0, bytesReceived: 0, bytesSent: 0, requests: 0, downloadTime: 0 });

/** A piece the cache may answer: its key, and whether a fresh answer of it is worth keeping. */
export interface Cacheable {
  key: string;
  /** The tenant's delete requests it is keyed on: only an answer filtered by these may be kept. */
  deletes: string;
  keep(data: unknown): boolean;
}

/** Loki's name for the frontend's results cache in the loki_cache_* metrics. */
const CACHE_NAME = 'frontend.results-cache';
/** Bumped when what a key names changes shape, so old entries are never read as new. */
const KEY_VERSION = 1;

export class FrontendCache {
  constructor(
    private readonly cache: ResultsCache | undefined,
    private readonly freshnessMs: number,
    private readonly metrics: Metrics,
    /** The generation of a tenant's delete requests, as the queriers report theirs. */
    private readonly deletesGeneration: (tenant: string) => string,
  ) {}

  /**
   * How the cache may answer `req` (a piece of a query as it goes on the work queue), or undefined
   * when it may not: caching off, the client asked for no-cache, or the piece's time is too recent.
   * `log` says a query_range piece is of a log query: only its empty answer is kept.
   */
  cacheable(req: QueryRequest, log = false): Cacheable | undefined {
    if (!this.cache || req.noCache) return undefined;
    const newest = msToNs(Date.now() - this.freshnessMs);
    const deletes = this.deletesGeneration(req.tenant);
    const keyOf = (...parts: Array<string | number | null>): string => JSON.stringify([KEY_VERSION, req.tenant, deletes, ...parts]);
    const always = () => true;
    switch (req.kind) {
      case 'query_range': {
        if (BigInt(req.end) > newest) return undefined;
        const key = keyOf(log ? 'log-empty' : 'matrix', req.query, req.start, req.end, req.step, req.interval ?? null, req.shard?.index ?? 0, req.shard?.of ?? 1);
        return { key, deletes, keep: log ? (data) => isEmptyStreams(data) : always };
      }
      case 'series':
        if (BigInt(req.end) > newest) return undefined;
        return { key: keyOf('series', req.start, req.end, ...req.match), deletes, keep: always };
      case 'labels':
        if (BigInt(req.end) > newest) return undefined;
        return { key: keyOf('labels', req.start, req.end, req.query ?? ''), deletes, keep: always };
      case 'label_values':
        if (BigInt(req.end) > newest) return undefined;
        return { key: keyOf('label_values', req.name, req.start, req.end, req.query ?? ''), deletes, keep: always };
      default:
        return undefined;
    }
  }

  /** The cached answer under `key`, counted in `stats` and Loki's metrics; undefined on a miss. */
  async lookup(key: string, stats: CacheStats): Promise<{ data: unknown } | undefined> {
    const began = performance.now();
    const value = await this.cache!.get(key);
    const took = performance.now() - began;
    stats.requests++;
    stats.entriesRequested++;
    stats.downloadTime += Math.round(took * 1e6);
    this.metrics.cacheFetchedKeys.inc({ name: CACHE_NAME });
    this.metrics.cacheRequestDuration.observe({ name: CACHE_NAME, method: 'get', status_code: '200' }, took / 1000);
    if (!value) return undefined;
    try {
      const got = decode<{ data: unknown }>(value);
      stats.entriesFound++;
      stats.bytesReceived += value.length;
      this.metrics.cacheHits.inc({ name: CACHE_NAME });
      this.metrics.cacheValueSize.observe({ name: CACHE_NAME, method: 'get' }, value.length);
      return { data: got.data };
    } catch {
      return undefined; // written by a newer or broken writer: a miss
    }
  }

  /**
   * Keeps a fresh answer, without the stats of the work that made it (a hit does none of that
   * work); never fails: a store that fails is only a later miss.
   */
  store(key: string, data: unknown, stats: CacheStats): Promise<void> {
    const value = encode({ data: withoutStats(data) });
    const began = performance.now();
    return this.cache!.put(key, value).then((kept) => {
      this.metrics.cacheRequestDuration.observe({ name: CACHE_NAME, method: 'put', status_code: kept ? '200' : '500' }, (performance.now() - began) / 1000);
      if (!kept) return;
      stats.entriesStored++;
      stats.bytesSent += value.length;
      this.metrics.cacheValueSize.observe({ name: CACHE_NAME, method: 'put' }, value.length);
    });
  }
}

/** An answer without its `stats` (Loki's block of what the querier did to make it). */
const withoutStats = (data: unknown): unknown => {
  if (!data || typeof data !== 'object' || Array.isArray(data) || !('stats' in data)) return data;
  const { stats: _, ...rest } = data as Record<string, unknown>;
  return rest;
};

/** A log piece's answer (streams) with no entry in it. */
const isEmptyStreams = (data: unknown): boolean => {
  const result = (data as { result?: Array<{ values: unknown[] }> })?.result;
  return Array.isArray(result) && result.every((s) => s.values.length === 0);
};
