// Membership: every process heartbeats its id, roles, address and version into a KV bucket
// whose entries expire, so the live set is whatever has heartbeated lately.
import type { JetStreamManager, KV, NatsConnection } from 'nats';
import { BucketView } from './bucket-view.ts';
import { decode, encode } from './codec.ts';
import { buckets } from './subjects.ts';
import { whenAnswered } from './when-answered.ts';

export interface Member {
  id: string;
  roles: string[];
  address: string;
  version: string;
  startedAt: number;
  /** Free-form figures a role wants operators to see (partitions owned, lag, ...). */
  status?: Record<string, unknown>;
  /** Server time of the last heartbeat, epoch ms; filled by list(), not sent. */
  heartbeatAt?: number;
}

export const MEMBER_TTL_MS = 15_000;

export class Members {
  private watched: BucketView | undefined;

  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
  ) {}

  static async open(nc: NatsConnection, replicas = 1): Promise<Members> {
    const kv = await whenAnswered(() => nc.jetstream().views.kv(buckets.members, { ttl: MEMBER_TTL_MS, history: 1, replicas }));
    return new Members(kv, await whenAnswered(() => nc.jetstreamManager()));
  }

  async heartbeat(m: Member): Promise<void> {
    const { heartbeatAt: _, ...sent } = m;
    await this.kv.put(m.id, encode(sent));
  }

  async leave(id: string): Promise<void> {
    await this.kv.delete(id).catch(() => undefined);
  }

  /** The live members from a watched copy of the bucket, so asking often costs nothing. */
  async live(): Promise<Member[]> {
    this.watched ??= this.view();
    await this.watched.start();
    return this.liveNow();
  }

  /** The same, without waiting: empty until live() has been called once. */
  liveNow(): Member[] {
    return this.watched ? membersIn(this.watched) : [];
  }

  /** The live members, listed from the bucket now. */
  async list(): Promise<Member[]> {
    const v = this.view();
    await v.relist();
    return membersIn(v);
  }

  private view(): BucketView {
    return new BucketView(this.kv, this.jsm, buckets.members, { ttlMs: MEMBER_TTL_MS });
  }

  close(): void {
    this.watched?.stop();
  }
}

function membersIn(v: BucketView): Member[] {
  const out: Member[] = [];
  for (const e of v.current().values()) {
    try {
      out.push({ ...decode<Member>(e.value), heartbeatAt: e.created });
    } catch {
      // not a member entry this version understands
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}
