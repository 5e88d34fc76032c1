// Per partition, the ingest-log position below which everything is durably in the store,
// and the streams that flushed past it (so a replay skips what they already hold). Each write is
// at the revision its writer last saw, so an ingester that lost the partition (a new owner wrote
// since) cannot move the checkpoint: its write fails instead.
import type { KV, NatsConnection } from 'nats';
import { decode, encode } from './codec.ts';
import { isWrongRevision } from './errors.ts';
import { buckets } from './subjects.ts';
import { whenAnswered } from './when-answered.ts';

export interface Checkpoint {
  /** The first sequence a replay must read. */
  seq: number;
  /** Stream fingerprint → highest sequence already in its flushed chunks (only those >= seq). */
  flushed: Record<string, number>;
}

/** A checkpoint with the revision to write the next one at (0: none was written yet). */
export interface HeldCheckpoint extends Checkpoint {
  revision: number;
}

export class CheckpointFencedError extends Error {
  override name = 'CheckpointFencedError';
}

export class Checkpoints {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection, replicas = 1): Promise<Checkpoints> {
    const kv = await whenAnswered(() => nc.jetstream().views.kv(buckets.checkpoints, { history: 1, replicas }));
    return new Checkpoints(kv);
  }

  async get(partition: number): Promise<HeldCheckpoint> {
    const e = await this.kv.get(String(partition));
    if (!e) return { seq: 1, flushed: {}, revision: 0 };
    if (e.operation !== 'PUT' || e.value.length === 0) return { seq: 1, flushed: {}, revision: e.revision };
    const c = decode<Checkpoint>(e.value);
    return { seq: c.seq, flushed: c.flushed ?? {}, revision: e.revision };
  }

  /** Writes at `revision`; the new revision, or CheckpointFencedError when someone else wrote since. */
  async set(partition: number, c: Checkpoint, revision: number): Promise<number> {
    const value = encode({ seq: c.seq, flushed: c.flushed });
    try {
      return revision === 0 ? await this.kv.create(String(partition), value) : await this.kv.update(String(partition), value, revision);
    } catch (err) {
      if (isWrongRevision(err))
        throw new CheckpointFencedError(`the checkpoint of partition ${partition} was written by another owner`, { cause: err });
      throw err;
    }
  }
}
