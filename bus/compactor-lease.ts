// The compactor's lease in the `muninn-compactor` bucket: one key naming the compactor that works,
// so that only one merges and deletes index files at a time. Taken with create, renewed at the
// revision its holder last wrote (compare-and-set), and gone with the bucket's TTL when not
// renewed, as a partition's lease (leases.ts). A restarted process with the same id takes its own
// lease back at once rather than waiting for it to expire.
import type { KV, NatsConnection } from 'nats';
import { decode, encode } from './codec.ts';
import { isWrongRevision } from './errors.ts';
import { buckets } from './subjects.ts';
import { whenAnswered } from './when-answered.ts';

const KEY = 'lease';

export interface CompactorHolder {
  owner: string;
  /** Server time of the last renewal, epoch ms. */
  renewedAt: number;
}

export class CompactorLease {
  private revision: number | undefined;

  private constructor(
    private readonly kv: KV,
    readonly ttlMs: number,
  ) {}

  static async open(nc: NatsConnection, opts: { ttlMs: number; replicas: number }): Promise<CompactorLease> {
    const kv = await whenAnswered(() => nc.jetstream().views.kv(buckets.compactor, { ttl: opts.ttlMs, history: 1, replicas: opts.replicas }));
    return new CompactorLease(kv, opts.ttlMs);
  }

  /** Whether `owner` holds the lease now: takes it when free (or its own), renews it when held. */
  async hold(owner: string): Promise<boolean> {
    try {
      if (this.revision !== undefined) {
        this.revision = await this.kv.update(KEY, encode({ owner }), this.revision);
        return true;
      }
      this.revision = await this.kv.create(KEY, encode({ owner }));
      return true;
    } catch (err) {
      this.revision = undefined;
      if (!isWrongRevision(err)) throw err;
      // held: by this very owner before a restart, it is taken back at the revision seen
      const e = await this.kv.get(KEY);
      if (!e || e.operation !== 'PUT' || decode<{ owner: string }>(e.value).owner !== owner) return false;
      try {
        this.revision = await this.kv.update(KEY, encode({ owner }), e.revision);
        return true;
      } catch (again) {
        if (isWrongRevision(again)) return false;
        throw again;
      }
    }
  }

  /** Gives the lease up, unless someone else holds it already. */
  async release(): Promise<void> {
    if (this.revision === undefined) return;
    const revision = this.revision;
    this.revision = undefined;
    await this.kv.delete(KEY, { previousSeq: revision }).catch((err) => {
      if (!isWrongRevision(err)) throw err;
    });
  }

  /** Who holds the lease, if anyone. */
  async holder(): Promise<CompactorHolder | undefined> {
    const e = await this.kv.get(KEY);
    if (!e || e.operation !== 'PUT') return undefined;
    return { owner: decode<{ owner: string }>(e.value).owner, renewedAt: e.created.getTime() };
  }
}
