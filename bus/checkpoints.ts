// Per partition, the ingest-log position below which everything is durably in the store,
// and the streams that flushed past it (so a replay skips what they already hold).
import type { KV, NatsConnection } from 'nats';
import { decode, encode } from './codec.ts';
import { buckets } from './subjects.ts';

export interface Checkpoint {
  /** The first sequence a replay must read. */
  seq: number;
  /** Stream fingerprint → highest sequence already in its flushed chunks (only those >= seq). */
  flushed: Record<string, number>;
}

export class Checkpoints {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection): Promise<Checkpoints> {
    const kv = await (await nc.jetstream()).views.kv(buckets.checkpoints, { history: 1 });
    return new Checkpoints(kv);
  }

  async get(partition: number): Promise<Checkpoint> {
    const e = await this.kv.get(String(partition));
    if (!e || e.operation !== 'PUT' || e.value.length === 0) return { seq: 1, flushed: {} };
    const c = decode<Checkpoint>(e.value);
    return { seq: c.seq, flushed: c.flushed ?? {} };
  }

  async set(partition: number, c: Checkpoint): Promise<void> {
    await this.kv.put(String(partition), encode({ seq: c.seq, flushed: c.flushed }));
  }
}
