// The durable ingest log: one JetStream stream, a subject per partition, deduplicated appends.
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
} from 'nats';
import { BusError } from './errors.ts';
import { streams, subjects } from './subjects.ts';

export interface IngestLogOptions {
  /** How long JetStream remembers a Nats-Msg-Id to drop a resent append. */
  duplicateWindowMs: number;
  /** Bound on the log's size; partitions are purged below their checkpoints long before. */
  maxBytes: number;
}

export interface LogMessage {
  seq: number;
  data: Uint8Array;
}

const NS_PER_MS = 1_000_000;

export class IngestLog {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  /** Creates the stream when absent, so any role may start first. */
  static async open(nc: NatsConnection, opts: IngestLogOptions): Promise<IngestLog> {
    const jsm = await nc.jetstreamManager();
    const config = {
      name: streams.ingest,
      subjects: [subjects.ingestAll],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.New,
      max_bytes: opts.maxBytes,
      duplicate_window: opts.duplicateWindowMs * NS_PER_MS,
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
    return new IngestLog(nc.jetstream(), jsm);
  }

  /** Resolves with the sequence once JetStream has stored the message durably. */
  async append(partition: number, data: Uint8Array, msgId: string, timeoutMs = 5000): Promise<number> {
    const ack = await this.js.publish(subjects.ingest(partition), data, { msgID: msgId, timeout: timeoutMs });
    return ack.seq;
  }

  /** The last sequence the log holds for a partition (0 when none). */
  async lastSeq(partition: number): Promise<number> {
    try {
      const m = await this.jsm.streams.getMessage(streams.ingest, { last_by_subj: subjects.ingest(partition) });
      return m.seq;
    } catch {
      return 0;
    }
  }

  /**
   * Delivers a partition's messages in order from `fromSeq` through an ephemeral pull consumer
   * (no acks: the checkpoint is the position); if the consumer goes away it is made again from
   * the next sequence, so nothing is skipped. Returns a function that stops delivery.
   */
  async consume(partition: number, fromSeq: number, onMessage: (m: LogMessage) => void): Promise<() => Promise<void>> {
    let next = fromSeq;
    let stopped = false;
    let current: { close(): Promise<void | Error> } | undefined;
    const open = async () => {
      const info = await this.jsm.consumers.add(streams.ingest, {
        filter_subject: subjects.ingest(partition),
        ack_policy: AckPolicy.None,
        mem_storage: true,
        inactive_threshold: 30_000 * NS_PER_MS,
        ...(next > 1 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: next } : { deliver_policy: DeliverPolicy.All }),
      });
      const consumer = await this.js.consumers.get(streams.ingest, info.name);
      const messages = await consumer.consume({ max_messages: 256 });
      current = messages;
      return messages;
    };
    const first = await open();
    const done = (async () => {
      let messages = first;
      while (!stopped) {
        try {
          for await (const m of messages) {
            next = m.seq + 1;
            onMessage({ seq: m.seq, data: m.data });
          }
        } catch {
          // the consumer went away (server restart, deletion): made again below
        }
        if (stopped) return;
        await new Promise((r) => setTimeout(r, 250));
        messages = await open().catch(() => messages);
      }
    })();
    return async () => {
      stopped = true;
      await current?.close();
      await done.catch(() => undefined);
    };
  }

  /** Drops a partition's messages below `seq`: they are durably in the store. */
  async purgeBelow(partition: number, seq: number): Promise<void> {
    await this.jsm.streams.purge(streams.ingest, { filter: subjects.ingest(partition), seq });
  }
}

