// Partition leases in the `muninn-partitions` bucket: one key per partition naming its owner.
// A lease is taken with create, renewed and released at the revision its holder last wrote
// (compare-and-set), and expires with the bucket's TTL when not renewed, so two owners at once
// cannot both succeed: whoever writes at a stale revision learns it has lost the partition.
import type { JetStreamManager, KV, NatsConnection } from 'nats';
import { BucketView } from './bucket-view.ts';
import { decode, encode } from './codec.ts';
import { isWrongRevision } from './errors.ts';
import { buckets } from './subjects.ts';
import { whenAnswered } from './when-answered.ts';

export interface Lease {
  partition: number;
  owner: string;
  /** The owner has read the partition up to the head it saw when it took it. */
  ready: boolean;
  revision: number;
  /** Server time of the last renewal, epoch ms. */
  renewedAt: number;
}

export interface LeaseOptions {
  /** A lease not renewed for this long is gone (ingester.lease_ttl). */
  ttlMs: number;
  replicas: number;
}

export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

export class Leases {
  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    readonly ttlMs: number,
  ) {}

  static async open(nc: NatsConnection, opts: LeaseOptions): Promise<Leases> {
    const kv = await whenAnswered(() => nc.jetstream().views.kv(buckets.partitions, { ttl: opts.ttlMs, history: 1, replicas: opts.replicas }));
    return new Leases(kv, await whenAnswered(() => nc.jetstreamManager()), opts.ttlMs);
  }

  /** Takes a free partition; the revision to renew at, or undefined when someone holds it. */
  async claim(partition: number, owner: string): Promise<number | undefined> {
    try {
      return await this.kv.create(String(partition), encode({ owner, ready: false }));
    } catch (err) {
      if (isWrongRevision(err)) return undefined;
      throw err;
    }
  }

  /** Renews at `revision`; the new revision, or LeaseLostError when someone else wrote since (or it expired). */
  async renew(partition: number, owner: string, revision: number, ready: boolean): Promise<number> {
    try {
      return await this.kv.update(String(partition), encode({ owner, ready }), revision);
    } catch (err) {
      if (isWrongRevision(err)) throw new LeaseLostError(`the lease of partition ${partition} was lost`, { cause: err });
      throw err;
    }
  }

  /** Gives the partition up, unless someone else already holds it. */
  async release(partition: number, revision: number): Promise<void> {
    await this.kv.delete(String(partition), { previousSeq: revision }).catch((err) => {
      if (!isWrongRevision(err)) throw err;
    });
  }

  /** A live view of every partition's lease (leaseOf reads it). */
  view(): BucketView {
    return new BucketView(this.kv, this.jsm, buckets.partitions, { ttlMs: this.ttlMs, relistMs: Math.max(1000, this.ttlMs / 3) });
  }
}

/** The lease a view's entry holds, or undefined when the entry is not one. */
export function leaseOf(key: string, value: Uint8Array, revision: number, created: number): Lease | undefined {
  const partition = Number(key);
  if (!Number.isInteger(partition)) return undefined;
  try {
    const v = decode<{ owner: string; ready: boolean }>(value);
    return { partition, owner: v.owner, ready: v.ready === true, revision, renewedAt: created };
  } catch {
    return undefined;
  }
}
