// A live copy of a KV bucket, for readers that must not ask NATS on every use (queriers asking
// who owns a partition, ingesters placing partitions): a watch brings each change as it happens,
// and a full listing now and then (and whenever the watch fails) repairs what a watch can miss.
// Entries a bucket's TTL removes leave no trace in a watch, so they are dropped by their age.
import { KvWatchInclude, type JetStreamManager, type KV, type KvEntry } from 'nats';
import { bucketKeys } from './bucket-keys.ts';

export interface ViewEntry {
  key: string;
  value: Uint8Array;
  revision: number;
  /** Server time of the write, epoch ms. */
  created: number;
}

export interface BucketViewOptions {
  /** The bucket's entry TTL: older entries are gone. */
  ttlMs?: number;
  /** How often the whole bucket is listed again. */
  relistMs?: number;
}

const RETRY_MS = 1000;

export class BucketView {
  private readonly entries = new Map<string, ViewEntry>();
  private readonly listeners = new Set<() => void>();
  private stopped = false;
  private watcher: { stop(): void } | undefined;
  private relister: NodeJS.Timeout | undefined;
  private first: Promise<void> | undefined;

  constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
    private readonly opts: BucketViewOptions = {},
  ) {}

  /** Resolves once the view holds the bucket as listed now. */
  start(): Promise<void> {
    this.first ??= (async () => {
      await this.relist();
      void this.watch();
      this.relister = setInterval(() => void this.relist().catch(() => undefined), this.opts.relistMs ?? 10_000);
      this.relister.unref();
    })();
    return this.first;
  }

  stop(): void {
    this.stopped = true;
    if (this.relister) clearInterval(this.relister);
    this.watcher?.stop();
  }

  /** Called after every change the view sees. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The live entries, by key. */
  current(): Map<string, ViewEntry> {
    const ttl = this.opts.ttlMs;
    if (ttl) {
      const now = Date.now();
      for (const [k, e] of this.entries) if (now - e.created > ttl) this.entries.delete(k);
    }
    return this.entries;
  }

  /** Takes an entry unless the view already holds a newer revision; true when that changed the view. */
  private apply(e: KvEntry): boolean {
    const have = this.entries.get(e.key);
    if (have && have.revision >= e.revision) return false;
    if (e.operation !== 'PUT' || e.value.length === 0) return this.entries.delete(e.key);
    this.entries.set(e.key, { key: e.key, value: e.value, revision: e.revision, created: e.created.getTime() });
    return true;
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  /** Lists the whole bucket again (bucket-keys.ts says why not kv.keys()). */
  async relist(): Promise<void> {
    const keys = new Set(await bucketKeys(this.jsm, this.bucket));
    let changed = false;
    for (const k of this.entries.keys()) if (!keys.has(k)) changed = this.entries.delete(k) || changed;
    for (const k of keys) {
      const e = await this.kv.get(k);
      if (e) changed = this.apply(e) || changed;
    }
    if (changed) this.changed();
  }

  /** Follows the bucket's changes; started again (after a listing) whenever it ends. */
  private async watch(): Promise<void> {
    while (!this.stopped) {
      try {
        const iter = await this.kv.watch({ include: KvWatchInclude.UpdatesOnly });
        this.watcher = iter;
        for await (const e of iter) if (this.apply(e)) this.changed();
      } catch {
        // NATS went away or the consumer was lost: list again and watch anew
      }
      if (this.stopped) return;
      await new Promise((r) => setTimeout(r, RETRY_MS));
      await this.relist().catch(() => undefined);
    }
  }
}
