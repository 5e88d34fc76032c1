// Reads one partition of the ingest log in order from a sequence, with pull requests whose
// max_bytes are first reserved in the process's ByteBudget, so a replay of any backlog keeps a
// bounded amount in flight. The consumer is ephemeral, unacknowledged and in memory: the position
// is ours (`next`). Whenever anything goes wrong (the server restarted and forgot the consumer,
// the connection dropped and took delivered messages with it, a gap in the delivery sequence) the
// consumer is made again from `next`: nothing is skipped, nothing is handed over twice.
import { AckPolicy, DeliverPolicy, createInbox, type JetStreamManager, type Msg, type NatsConnection } from 'nats';
import type { ByteBudget } from './byte-budget.ts';
import { streams, subjects } from './subjects.ts';
import { nanos } from './nanos.ts';
import { noAnswerAfter } from './no-answer-timer.ts';

export interface LogMessage {
  seq: number;
  data: Uint8Array;
  /** Messages of the partition after this one when it was sent: the reader's lag. */
  pending: number;
}

export interface ReaderEvents {
  /** In log order, each message once. A throw makes the reader retry from this message. */
  message(m: LogMessage): void;
  /** A pull came back empty: the reader is at the head of the partition. */
  idle?(): void;
  /** Reading failed and is being retried (once per outage), then `recovered` once it reads again. */
  trouble?(err: Error): void;
  recovered?(): void;
}

/** What a reader is doing now, and since when (for a reader that seems stuck). */
export interface ReaderState {
  phase: 'opening' | 'reserving' | 'pulling' | 'retrying' | 'stopped';
  since: number;
  /** Pulls made so far. */
  pulls: number;
}

export interface PartitionReader {
  /** The next sequence the reader will hand over. */
  readonly next: number;
  readonly state: ReaderState;
  /** Gives up the pull in flight and reads on with a new consumer: the connection was made again, and the pull and maybe its consumer's server are gone. */
  renew(): void;
  stop(): Promise<void>;
}

/** A pull waits this long for messages at the head before it is renewed. */
const PULL_EXPIRES_MS = 5_000;
/** Past its expiry a pull whose end never came (the connection dropped) is given up. */
const PULL_GRACE_MS = 3_000;
const MIN_PULL_BYTES = 256 * 1024;
const PULL_BATCH = 10_000;
const RETRY_MS = [250, 500, 1000, 2000, 5000];

/**
 * How a pull ended: `full` (its bytes or batch filled: there is more), `drained` (it took what
 * there was), `empty` (nothing came), `too-small` (the next message is larger than the pull),
 * `lost` (no end came: the connection dropped), `gone` (the consumer is no more, or skipped).
 */
type PullEnd = 'full' | 'drained' | 'empty' | 'too-small' | 'lost' | 'gone';

export function readPartition(
  nc: NatsConnection,
  jsm: JetStreamManager,
  opts: { partition: number; from: number; budget: ByteBudget },
  ev: ReaderEvents,
): PartitionReader {
  let next = Math.max(1, opts.from);
  let stopped = false;
  let consumer: string | undefined;
  let lastDelivered = 0;
  let pullNo = 0;
  let wake: (() => void) | undefined;
  /** Aborts a wait for budget when the reader stops. */
  const stopping = new AbortController();
  // the largest pull any message can need: the server's max_payload and the envelope around it
  const maxPull = Math.max(MIN_PULL_BYTES, (nc.info?.max_payload ?? 1024 * 1024) + 64 * 1024);
  const base = createInbox();
  let current: { no: number; count: number; end: (e: PullEnd) => void } | undefined;
  const state: ReaderState = { phase: 'opening', since: Date.now(), pulls: 0 };
  const enter = (phase: ReaderState['phase']) => {
    state.phase = phase;
    state.since = Date.now();
  };

  const sub = nc.subscribe(`${base}.*`, { callback: (err, msg) => (err ? undefined : onMsg(msg)) });

  function onMsg(msg: Msg): void {
    const c = current;
    if (!c || stopped) return; // a pull given up earlier (its consumer is being replaced), or a reader replaced
    // data has its ack subject as reply; only a status has none, and only then are headers parsed
    const code = msg.reply ? 0 : (msg.headers?.code ?? 0);
    if (code) {
      // a status names its pull in the subject; data keeps its own subject and is checked by sequence
      if (msg.subject !== `${base}.${c.no}`) return;
      if (code === 100) return; // heartbeat
      const what = (msg.headers?.description ?? '').toLowerCase();
      if (code === 408 || code === 404) return c.end(c.count ? 'drained' : 'empty');
      if (code === 409 && what.includes('exceeds maxbytes')) return c.end(c.count ? 'full' : 'too-small');
      return c.end('gone'); // 503 no responders, 409 consumer deleted, leadership change
    }
    const at = ackInfo(msg.reply ?? '');
    if (!at || at.delivered !== lastDelivered + 1) return c.end('gone'); // a message went missing: start over from next
    lastDelivered = at.delivered;
    c.count++;
    if (at.seq >= next) {
      try {
        ev.message({ seq: at.seq, data: msg.data, pending: at.pending });
      } catch {
        return c.end('gone'); // handed over again from this message after a pause
      }
      next = at.seq + 1;
    }
    if (c.count >= PULL_BATCH) c.end('full');
  }

  /**
   * One pull request. Only the smallest pulls wait at the head for messages to come; larger ones
   * (a replay) answer at once with what there is, so no large reservation sits idle in the budget.
   */
  function pull(name: string, bytes: number): Promise<PullEnd> {
    return new Promise<PullEnd>((resolve) => {
      const no = ++pullNo;
      const cancel = noAnswerAfter(PULL_EXPIRES_MS + PULL_GRACE_MS, () => end('lost'));
      const end = (e: PullEnd) => {
        if (current?.no !== no) return;
        cancel();
        current = undefined;
        wake = undefined;
        resolve(e);
      };
      current = { no, count: 0, end };
      wake = () => end('lost');
      const req = bytes > MIN_PULL_BYTES ? { batch: PULL_BATCH, max_bytes: bytes, no_wait: true } : { batch: PULL_BATCH, max_bytes: bytes, expires: nanos(PULL_EXPIRES_MS) };
      try {
        nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${streams.ingest}.${name}`, JSON.stringify(req), { reply: `${base}.${no}` });
      } catch {
        end('gone');
      }
    });
  }

  async function open(): Promise<string> {
    const info = await jsm.consumers.add(streams.ingest, {
      filter_subject: subjects.ingest(opts.partition),
      ack_policy: AckPolicy.None,
      mem_storage: true,
      inactive_threshold: nanos(60_000),
      ...(next > 1 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: next } : { deliver_policy: DeliverPolicy.All }),
    });
    lastDelivered = 0;
    return info.name;
  }

  function drop(): void {
    if (consumer) void jsm.consumers.delete(streams.ingest, consumer).catch(() => undefined);
    consumer = undefined;
  }

  const done = (async () => {
    let bytes = MIN_PULL_BYTES;
    let failures = 0;
    while (!stopped) {
      try {
        if (!consumer) {
          enter('opening');
          consumer = await open();
        }
        enter('reserving');
        const give = await opts.budget.take(bytes, stopping.signal);
        let end: PullEnd;
        try {
          if (stopped) break;
          enter('pulling');
          state.pulls++;
          end = await pull(consumer, bytes);
        } finally {
          give();
        }
        if (end === 'gone' || end === 'lost') {
          drop();
          throw new Error(end === 'gone' ? 'the partition consumer went away' : 'a pull request got no answer');
        }
        if (failures) {
          failures = 0;
          ev.recovered?.();
        }
        // grow while pulls come back full (a backlog), jump when a message did not fit, and wait
        // with the smallest pull once the partition is read to its head
        if (end === 'too-small') bytes = maxPull;
        else if (end === 'full') bytes = Math.min(maxPull, bytes * 2);
        else if (end === 'empty') {
          bytes = MIN_PULL_BYTES;
          ev.idle?.();
        }
      } catch (err) {
        if (stopped) break;
        if (failures++ === 0) ev.trouble?.(err as Error);
        enter('retrying');
        drop();
        await sleep(RETRY_MS[Math.min(failures, RETRY_MS.length) - 1], () => stopped);
      }
    }
    enter('stopped');
  })();

  return {
    get next() {
      return next;
    },
    get state() {
      return { ...state };
    },
    renew() {
      current?.end('gone');
    },
    async stop() {
      stopped = true;
      wake?.();
      stopping.abort();
      await done;
      drop();
      sub.unsubscribe();
    },
  };
}

/** Stream sequence, delivery sequence and pending count from a JetStream message's ack subject (v1 and v2 forms). */
function ackInfo(reply: string): { seq: number; delivered: number; pending: number } | undefined {
  const t = reply.split('.');
  if (t[0] !== '$JS' || t[1] !== 'ACK') return undefined;
  const at = t.length === 9 ? 5 : t.length >= 11 ? 7 : -1;
  if (at < 0) return undefined;
  return { seq: Number(t[at]), delivered: Number(t[at + 1]), pending: Number(t[at + 3]) };
}

/** Sleeps, waking early (checked every 100 ms) once `stop` says so. */
async function sleep(ms: number, stop: () => boolean): Promise<void> {
  for (let left = ms; left > 0 && !stop(); left -= 100) await new Promise((r) => setTimeout(r, Math.min(100, left)));
}
