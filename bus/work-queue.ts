// The query work queue: frontends put sub-queries on a JetStream work-queue stream; queriers
// are pull consumers that take a task only when a worker slot is free.
import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  type Consumer,
  type JetStreamClient,
  type NatsConnection,
} from 'nats';
import { decode, encode } from './codec.ts';
import { streams, subjects } from './subjects.ts';
import { nanos } from './nanos.ts';
import { whenAnswered } from './when-answered.ts';

const CONSUMER = 'queriers';

export interface Task {
  /** Unique per attempt: the frontend's inbox waits for this id. */
  id: string;
  /** Inbox the result parts go to. */
  reply: string;
  /** Epoch ms after which nobody waits for the answer. */
  deadline: number;
  body: Record<string, unknown>;
}

/** What waits in the queue and who pulls it, for `muninn status`. */
export interface QueueStatus {
  /** Tasks in the stream (a work queue drops a task once acked). */
  messages: number;
  /** Tasks no querier has taken yet. */
  pending: number;
  /** Tasks taken and not yet acked: running now. */
  running: number;
  /** Pull requests waiting for a task: idle querier slots. */
  waiting: number;
}

/** The queue's figures, read only; undefined when no frontend has created the queue yet. */
export async function queueStatus(nc: NatsConnection): Promise<QueueStatus | undefined> {
  const jsm = await nc.jetstreamManager();
  const stream = await jsm.streams.info(streams.queryTasks).catch((err) => {
    if (/stream not found/i.test((err as Error).message)) return undefined;
    throw err;
  });
  if (!stream) return undefined;
  const consumer = await jsm.consumers.info(streams.queryTasks, CONSUMER).catch((err) => {
    if (/consumer not found/i.test((err as Error).message)) return undefined;
    throw err;
  });
  return {
    messages: stream.state.messages,
    pending: consumer?.num_pending ?? stream.state.messages,
    running: consumer?.num_ack_pending ?? 0,
    waiting: consumer?.num_waiting ?? 0,
  };
}

export class WorkQueue {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly consumer: Consumer,
  ) {}

  static open(nc: NatsConnection, ackWaitMs: number, replicas = 1): Promise<WorkQueue> {
    return whenAnswered(() => WorkQueue.create(nc, ackWaitMs, replicas));
  }

  private static async create(nc: NatsConnection, ackWaitMs: number, replicas: number): Promise<WorkQueue> {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.info(streams.queryTasks).catch(() =>
      jsm.streams
        .add({
          name: streams.queryTasks,
          subjects: [subjects.queryTasks],
          retention: RetentionPolicy.Workqueue,
          storage: StorageType.File,
          num_replicas: replicas,
          max_age: nanos(10 * 60 * 1000),
        })
        .catch(() => jsm.streams.info(streams.queryTasks)),
    );
    // delivered once: a task whose querier died is put on the queue again by its frontend, after
    // subquery_timeout (the one retry mechanism), never redelivered by JetStream as well
    const have = await jsm.consumers.info(streams.queryTasks, CONSUMER).catch(() => undefined);
    if (!have)
      await jsm.consumers
        .add(streams.queryTasks, {
          durable_name: CONSUMER,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: nanos(ackWaitMs),
          max_deliver: 1,
        })
        .catch(() => jsm.consumers.info(streams.queryTasks, CONSUMER));
    else if (have.config.max_deliver !== 1) await jsm.consumers.update(streams.queryTasks, CONSUMER, { max_deliver: 1 }).catch(() => undefined);
    const js = nc.jetstream();
    return new WorkQueue(js, await js.consumers.get(streams.queryTasks, CONSUMER));
  }

  /**
   * Waits out a queue with no leader (a NATS server lost) until the task's deadline: a failed put
   * is no answer from a querier, and must not use up the frontend's retries in milliseconds.
   */
  async put(task: Task): Promise<void> {
    const data = encode({ ...task });
    await whenAnswered(() => this.js.publish(subjects.queryTasks, data), task.deadline - Date.now());
  }

  /**
   * Runs `workers` loops, each taking one task at a time; a task is acked once handled.
   * Returns a function that stops taking work.
   */
  serve(workers: number, handle: (t: Task) => Promise<void>): () => Promise<void> {
    let stopped = false;
    const loop = async () => {
      while (!stopped) {
        const m = await this.consumer.next({ expires: 1000 }).catch(() => null);
        if (!m) continue;
        try {
          const t = decode<Task>(m.data);
          if (t.deadline > Date.now()) await handle(t);
        } catch {
          // a malformed task is dropped, not retried forever
        } finally {
          m.ack();
        }
      }
    };
    const loops = Array.from({ length: workers }, loop);
    return async () => {
      stopped = true;
      await Promise.allSettled(loops);
    };
  }
}
