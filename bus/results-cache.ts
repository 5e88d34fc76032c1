// The results cache: answers of sub-queries in the KV bucket `muninn-results-cache`, shared by
// every frontend. Entries expire by the bucket's TTL; when the bucket is full the oldest go first.
// The cache only ever speeds a query up: a lookup or a store that fails or is slow is a miss.
import { createHash } from 'node:crypto';
import { DiscardPolicy, type KV, type NatsConnection } from 'nats';
import { buckets } from './subjects.ts';
import { whenAnswered } from './when-answered.ts';

export interface ResultsCacheOptions {
  ttlMs: number;
  /** The bucket's size on disk; past it the oldest entries are dropped. */
  maxBytes: number;
  replicas: number;
}

/** A lookup slower than this counts as a miss: the query runs rather than waits on a sick bus. */
const LOOKUP_TIMEOUT_MS = 1000;
/** Larger answers are not kept: every value must fit a NATS message on any cluster (1 MB default). */
export const MAX_VALUE_BYTES = 900 * 1024;

export class ResultsCache {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection, opts: ResultsCacheOptions): Promise<ResultsCache> {
    const kv = await whenAnswered(() =>
      nc.jetstream().views.kv(buckets.resultsCache, { ttl: opts.ttlMs, history: 1, replicas: opts.replicas, max_bytes: opts.maxBytes, maxValueSize: MAX_VALUE_BYTES }),
    );
    // a KV bucket refuses writes when full; a cache should forget its oldest entries instead
    await whenAnswered(async () => {
      const jsm = await nc.jetstreamManager();
      const name = `KV_${buckets.resultsCache}`;
      const info = await jsm.streams.info(name);
      if (info.config.discard !== DiscardPolicy.Old) await jsm.streams.update(name, { ...info.config, discard: DiscardPolicy.Old });
    });
    return new ResultsCache(kv);
  }

  /** The value stored under `key`, or undefined (absent, expired, or the bucket did not answer in time). */
  async get(key: string): Promise<Uint8Array | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, LOOKUP_TIMEOUT_MS, undefined)));
    try {
      const e = await Promise.race([this.kv.get(cacheKey(key)).catch(() => null), late]);
      return e && e.operation === 'PUT' && e.value.length > 0 ? e.value : undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stores `value` under `key`; false when it was not kept (too large, or the bucket refused it). */
  async put(key: string, value: Uint8Array): Promise<boolean> {
    if (value.length > MAX_VALUE_BYTES) return false;
    return this.kv.put(cacheKey(key), value).then(
      () => true,
      () => false,
    );
  }
}

/** KV keys allow few characters and a query may hold any: the key is a digest of what identifies the answer. */
const cacheKey = (key: string): string => createHash('sha256').update(key).digest('hex');
