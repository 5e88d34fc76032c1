// Membership: every process heartbeats its id, roles, address and version into a KV bucket
// whose entries expire, so the live set is whatever has heartbeated lately.
import type { JetStreamManager, KV, NatsConnection } from 'nats';
import { decode, encode } from './codec.ts';
import { buckets } from './subjects.ts';

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

/** How long `live()` reuses its last answer: sub-queries must not each list the bucket. */
const LIVE_CACHE_MS = 2000;

export class Members {
  private cached: { at: number; list: Promise<Member[]> } | undefined;

  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
  ) {}

  static async open(nc: NatsConnection): Promise<Members> {
    const kv = await nc.jetstream().views.kv(buckets.members, { ttl: MEMBER_TTL_MS, history: 1 });
    return new Members(kv, await nc.jetstreamManager());
  }

  async heartbeat(m: Member): Promise<void> {
    const { heartbeatAt: _, ...sent } = m;
    await this.kv.put(m.id, encode(sent));
  }

  async leave(id: string): Promise<void> {
    await this.kv.delete(id).catch(() => undefined);
  }

  /** The live members as listed at most LIVE_CACHE_MS ago. */
  live(): Promise<Member[]> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > LIVE_CACHE_MS) {
      const list = this.list();
      list.catch(() => (this.cached = undefined)); // a failed listing is not reused
      this.cached = { at: now, list };
    }
    return this.cached.list;
  }

  /**
   * The live members. Keys come from the bucket's stream info, not kv.keys(): that one runs an
   * ordered consumer, which on nats-server 2.9 returns only part of the keys.
   */
  async list(): Promise<Member[]> {
    const info = await this.jsm.streams.info(`KV_${buckets.members}`, { subjects_filter: '>' });
    const prefix = `$KV.${buckets.members}.`;
    const keys = Object.keys(info.state.subjects ?? {}).map((s) => s.slice(prefix.length));
    const out: Member[] = [];
    for (const k of keys) {
      const e = await this.kv.get(k);
      if (e && e.operation === 'PUT' && e.value.length) out.push({ ...decode<Member>(e.value), heartbeatAt: e.created.getTime() });
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }
}
