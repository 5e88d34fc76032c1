// The query work queue: frontends put sub-queries on a JetStream work-queue stream; queriers
// are pull consumers that take a task only when a worker slot is free.
import {
  AckPolicy,
  DeliverPolicy,
  Events,
  RetentionPolicy,
  StorageType,
  createInbox,
  type JetStreamClient,
  type Msg,
  type NatsConnection,
} from 'nats';
import { decode, encode } from './codec.ts';
import { streams, subjects } from './subjects.ts';
import { nanos } from './nanos.ts';
import { noAnswerAfter } from './no-answer-timer.ts';
import { whenAnswered } from './when-answered.ts';

const CONSUMER = 'queriers';
/** A free loop's pull waits this long for a task, then is renewed. */
const PULL_MS = 5000;
/** Past its expiry a pull whose end never came is given up. */
const PULL_GRACE_MS = 3000;
const RETRY_MS = 500;

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
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
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
    return new WorkQueue(nc, nc.jetstream());
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
   * Runs `workers` loops, each taking one task at a time; a task is acked once handled. A task
   * JetStream delivers is never dropped: pulls are answered on one subscription that outlives
   * them, so a task arriving as its pull expires (the thread was busy past the expiry) is kept
   * for the next free loop. (nats.js's consumer.next() drops it, and a task is delivered once,
   * so its sub-query then waited out the frontend's timeout.) Returns a function that stops.
   */
  serve(workers: number, handle: (t: Task) => Promise<void>): () => Promise<void> {
    let stopped = false;
    let pullNo = 0;
    const base = createInbox();
    /** Tasks delivered while no loop was waiting. */
    const kept: Msg[] = [];
    /** Each waiting loop's pull, oldest first: a task goes to the oldest. */
    const waiting = new Map<number, (m: Msg | undefined) => void>();
    const sub = this.nc.subscribe(`${base}.*`, {
      callback: (err, msg) => {
        if (err) return;
        // a task has its ack subject as reply; a status (timeout, heartbeat, error) has none and names its pull
        if (!msg.reply) {
          const code = msg.headers?.code ?? 0;
          const end = waiting.get(Number(msg.subject.slice(base.length + 1)));
          if (code === 100 || !end) return;
          // expired empty: pull again; any other status (no leader, too many pulls): after a pause
          if (code === 408 || code === 404) end(undefined);
          else setTimeout(() => end(undefined), RETRY_MS);
          return;
        }
        const oldest = waiting.keys().next();
        if (oldest.done) kept.push(msg);
        else waiting.get(oldest.value)!(msg);
      },
    });
    const pull = () =>
      new Promise<Msg | undefined>((resolve) => {
        const no = ++pullNo;
        const end = (m: Msg | undefined) => {
          cancel();
          waiting.delete(no);
          resolve(m);
        };
        // no end came (the connection dropped): pull again; a late task is kept all the same
        const cancel = noAnswerAfter(PULL_MS + PULL_GRACE_MS, () => end(undefined));
        waiting.set(no, end);
        try {
          this.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${streams.queryTasks}.${CONSUMER}`, JSON.stringify({ batch: 1, expires: nanos(PULL_MS) }), { reply: `${base}.${no}` });
        } catch {
          setTimeout(() => end(undefined), RETRY_MS); // not connected: try again shortly
        }
      });
    const loop = async () => {
      while (!stopped) {
        const m = kept.shift() ?? (await pull());
        if (!m) continue;
        try {
          const t = decode<Task>(m.data);
          if (t.deadline > Date.now()) await handle(t);
        } catch {
          // a malformed task is dropped, not retried forever
        } finally {
          m.respond(); // ack
        }
      }
    };
    const loops = Array.from({ length: workers }, loop);
    // pulls in flight died with a lost connection: once it is made again, pull anew at once
    void (async () => {
      for await (const st of this.nc.status()) {
        if (stopped) return;
        if (st.type === Events.Reconnect) for (const end of [...waiting.values()]) end(undefined);
      }
    })().catch(() => undefined);
    return async () => {
      stopped = true;
      for (const end of [...waiting.values()]) end(undefined);
      await Promise.allSettled(loops);
      sub.unsubscribe();
    };
  }
}
