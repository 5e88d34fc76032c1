// The durable ingest log: one JetStream stream, a subject per partition, deduplicated appends.
import { DiscardPolicy, Events, RetentionPolicy, StorageType, type JetStreamManager, type NatsConnection } from 'nats';
import { AckedPublisher } from './acked-publish.ts';
import type { ByteBudget } from './byte-budget.ts';
import { BusError } from './errors.ts';
import { whenAnswered } from './when-answered.ts';
import { readPartition, type PartitionReader, type ReaderEvents } from './ingest-reader.ts';
import { streams, subjects } from './subjects.ts';
import { nanos } from './nanos.ts';

export interface IngestLogOptions {
  /** How long JetStream remembers a Nats-Msg-Id to drop a resent append. */
  duplicateWindowMs: number;
  /** Bound on the log's size; partitions are purged below their checkpoints long before. */
  maxBytes: number;
  /** Copies JetStream keeps (nats.replicas). */
  replicas?: number;
}


export class IngestLog {
  private readonly publisher: AckedPublisher;
  private readonly readers = new Set<PartitionReader>();
  private watching = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
  ) {
    this.publisher = new AckedPublisher(nc);
  }

  /** Creates the stream when absent, so any role may start first. */
  static open(nc: NatsConnection, opts: IngestLogOptions): Promise<IngestLog> {
    return whenAnswered(() => IngestLog.create(nc, opts));
  }

  private static async create(nc: NatsConnection, opts: IngestLogOptions): Promise<IngestLog> {
    const jsm = await nc.jetstreamManager();
    const config = {
      name: streams.ingest,
      subjects: [subjects.ingestAll],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.New,
      max_bytes: opts.maxBytes,
      num_replicas: opts.replicas ?? 1,
      duplicate_window: nanos(opts.duplicateWindowMs),
    };
    try {
      await jsm.streams.info(streams.ingest);
    } catch {
      try {
        await jsm.streams.add(config);
      } catch (err) {
        // another process created it between our two calls
        await jsm.streams.info(streams.ingest).catch(() => {
          throw new BusError('cannot create the ingest log', { cause: err });
        });
      }
    }
    return new IngestLog(nc, jsm);
  }

  /** Resolves with the sequence once JetStream has stored the message durably. */
  append(partition: number, data: Uint8Array, msgId: string, timeoutMs = 5000): Promise<number> {
    return this.publisher.publish(subjects.ingest(partition), data, msgId, timeoutMs);
  }

  /** The last sequence the log holds for a partition (0 when none, or when the log does not answer). */
  lastSeq(partition: number): Promise<number> {
    return this.lastOf(partition).then(
      (seq) => seq ?? 0,
      () => 0,
    );
  }

  /** The last sequence the log holds for a partition: undefined when it holds none; throws when the log does not say. */
  private async lastOf(partition: number): Promise<number | undefined> {
    try {
      return (await this.jsm.streams.getMessage(streams.ingest, { last_by_subj: subjects.ingest(partition) })).seq;
    } catch (err) {
      if ((err as { code?: string }).code === '404') return undefined;
      throw err;
    }
  }

  /** Reads a partition in order from `from`, within the process's byte budget (ingest-reader.ts). */
  read(partition: number, from: number, budget: ByteBudget, ev: ReaderEvents): PartitionReader {
    this.watchReconnects();
    const reader = readPartition(this.nc, this.jsm, { partition, from, budget }, ev);
    this.readers.add(reader);
    return {
      get next() {
        return reader.next;
      },
      get state() {
        return reader.state;
      },
      renew: () => reader.renew(),
      stop: () => {
        this.readers.delete(reader);
        return reader.stop();
      },
    };
  }

  /**
   * Once the connection is made again (its server lost), every reader pulls anew at once: its pull
   * in flight died with the old connection, and waiting for that pull's timer left a partition
   * unread for seconds.
   */
  private watchReconnects(): void {
    if (this.watching) return;
    this.watching = true;
    void (async () => {
      for await (const s of this.nc.status()) if (s.type === Events.Reconnect) for (const r of this.readers) r.renew();
    })().catch(() => undefined);
  }

  /**
   * Drops every message below the first one some partition still needs; `checkpoint(p)` is the
   * first sequence partition p's replay must read. One purge without a subject filter, which
   * nats-server serves by dropping whole blocks: a filtered purge per partition walked the
   * stream's blocks while holding it, and pushes waited seconds for their acknowledgements.
   * A partition whose messages all lie below its checkpoint holds nothing back; one with messages
   * and no checkpoint yet holds back everything. A floor of 1 is never sent: nats-server (2.9)
   * takes a purge to sequence 1 for a purge of everything, so one computed while the log was
   * still empty deleted the first message appended meanwhile, acknowledged and unread.
   */
  async purgeConsumed(partitions: number, checkpoint: (p: number) => Promise<number>): Promise<void> {
    // read first: a message appended after this lies above every floor found below
    const { first_seq: first, last_seq: head } = (await this.jsm.streams.info(streams.ingest)).state;
    const needs = await Promise.all(
      Array.from({ length: partitions }, async (_, p) => {
        const seq = await checkpoint(p);
        if (seq > head) return Infinity;
        const last = await this.lastOf(p);
        return last === undefined || last < seq ? Infinity : seq;
      }),
    );
    const floor = Math.min(head + 1, ...needs);
    if (floor > first && floor > 1) await this.jsm.streams.purge(streams.ingest, { seq: floor });
  }
}

