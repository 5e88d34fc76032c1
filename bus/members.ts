// Membership: every process heartbeats its id, roles, address and version into a KV bucket
// whose entries expire, so the live set is whatever has heartbeated lately.
import type { KV, NatsConnection } from 'nats';
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
}

export const MEMBER_TTL_MS = 15_000;

export class Members {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection): Promise<Members> {
    const kv = await (await nc.jetstream()).views.kv(buckets.members, { ttl: MEMBER_TTL_MS, history: 1 });
    return new Members(kv);
  }

  async heartbeat(m: Member): Promise<void> {
    await this.kv.put(m.id, encode({ ...m }));
  }

  async leave(id: string): Promise<void> {
    await this.kv.delete(id).catch(() => undefined);
  }

  async list(): Promise<Member[]> {
    const out: Member[] = [];
    const keys = await this.kv.keys();
    for await (const k of keys) {
      const e = await this.kv.get(k);
      if (e && e.operation === 'PUT' && e.value.length) out.push(decode<Member>(e.value));
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }
}
