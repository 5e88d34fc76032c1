// Gateways hand queries to frontends (queue group `frontends`); the answer comes back in parts.
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import type { Shard } from '../model/fingerprint.ts';
import { decode, encode } from './codec.ts';
import { subscribeDecoded } from './subscribe.ts';
import { BusError, isNoResponders } from './errors.ts';
import { Inbox, replyInParts } from './inbox.ts';
import { queueGroups, subjects } from './subjects.ts';

/**
 * A query as the HTTP API received it; nanosecond times travel as decimal strings. `noCache`: the
 * client asked for an answer computed now (Cache-Control: no-cache), not one from the results cache.
 */
export type QueryRequest = { noCache?: boolean } & (
  | { kind: 'query_range'; tenant: string; query: string; start: string; end: string; step: number; interval?: number; limit: number; direction: 'forward' | 'backward'; shard?: Shard }
  | { kind: 'query'; tenant: string; query: string; time: string; limit: number; direction: 'forward' | 'backward' }
  | { kind: 'labels'; tenant: string; start: string; end: string; query?: string }
  | { kind: 'label_values'; tenant: string; name: string; start: string; end: string; query?: string }
  | { kind: 'series'; tenant: string; match: string[]; start: string; end: string }
  // index stats and log volume: counted from the index and ingester memory (actors/querier/volume.ts)
  | { kind: 'index_stats'; tenant: string; query: string; start: string; end: string }
  | VolumeRequest
);

/** Loki's /index/volume (step 0) and /index/volume_range: bytes of lines per stream or label over windows of `step` ns. */
export interface VolumeRequest {
  kind: 'volume';
  tenant: string;
  query: string;
  start: string;
  end: string;
  step: number;
  limit: number;
  targetLabels: string[];
  aggregateBy: 'series' | 'labels';
}

/** A querier's answer to a volume (sub-)query: per window with any volume, its end (ns) and its top `limit` names with their bytes. */
export interface VolumePiece {
  windows: Array<[end: string, volumes: Array<[name: string, bytes: number]>]>;
}

interface Envelope {
  id: string;
  reply: string;
  req: QueryRequest;
  /** Epoch ms when the asker stops waiting (its query_timeout). */
  deadline: number;
}

/** A frontend's answer: the query's data, and Loki's response warnings (what it could not see). */
export interface FrontendAnswer {
  data: unknown;
  warnings: string[];
}

/** Past the deadline the frontend answers 504 itself; the asker waits this much longer for it. */
const ANSWER_GRACE_MS = 2000;
/** How long a frontend has to acknowledge a query before it is asked again. */
const RECEIPT_TIMEOUT_MS = 5000;

/**
 * Runs `handle` for each query a gateway hands over; its signal aborts when the gateway's client
 * has gone away (the query's pieces need not run any more).
 */
export function serveFrontend(nc: NatsConnection, handle: (req: QueryRequest, deadline: number, signal: AbortSignal) => Promise<FrontendAnswer>): () => void {
  const running = new Map<string, AbortController>();
  const cancels = nc.subscribe(subjects.frontendCancel, {
    callback: (err, msg) => {
      if (err) return;
      try {
        running.get(decode<{ id: string }>(msg.data).id)?.abort();
      } catch {
        // not a cancel: ignored
      }
    },
  });
  const sub = subscribeDecoded<Envelope>(
    nc,
    subjects.frontendQuery,
    (env, msg) => {
      // acknowledge receipt at once, so the gateway can tell "no frontend" from "slow query"
      msg.respond(encode({ ok: true }));
      const abort = new AbortController();
      running.set(env.id, abort);
      handle(env.req, env.deadline, abort.signal)
        .then(
          (answer) => replyInParts(nc, env.reply, env.id, encode({ ...answer })),
          (e: Error) => replyInParts(nc, env.reply, env.id, e),
        )
        .finally(() => running.delete(env.id));
    },
    { queue: queueGroups.frontends },
  );
  return () => {
    sub.unsubscribe();
    cancels.unsubscribe();
  };
}

/**
 * A frontend's answer to `req`; a TimeoutError once `deadline` (epoch ms) has long passed. When
 * `signal` aborts (the client went away) the frontends are told to stop the query.
 */
export async function askFrontend(nc: NatsConnection, req: QueryRequest, deadline: number, signal?: AbortSignal): Promise<FrontendAnswer> {
  const inbox = new Inbox(nc);
  const id = randomUUID();
  const cancel = () => {
    nc.publish(subjects.frontendCancel, encode({ id }));
    inbox.close();
  };
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    await handOver(nc, encode({ id, reply: inbox.subject, req, deadline }), deadline);
    const body = await inbox.wait(id, Math.max(0, deadline - Date.now()) + ANSWER_GRACE_MS);
    const a = decode<{ data: unknown; warnings?: string[] }>(body);
    return { data: a.data, warnings: a.warnings ?? [] };
  } finally {
    signal?.removeEventListener('abort', cancel);
    inbox.close();
  }
}

/**
 * Puts the query in a frontend's hands. Without a receipt (the connection moving to another NATS
 * server, which under load takes seconds) it asks again until the deadline: the same id, so if
 * both tries run only the first answer is read. No frontend at all is said at once.
 */
async function handOver(nc: NatsConnection, envelope: Uint8Array, deadline: number): Promise<void> {
  for (;;) {
    try {
      await nc.request(subjects.frontendQuery, envelope, { timeout: RECEIPT_TIMEOUT_MS });
      return;
    } catch (err) {
      if (isNoResponders(err)) throw new BusError('no query frontend is running', { cause: err });
      if (Date.now() + RECEIPT_TIMEOUT_MS > deadline) throw new BusError('query frontend did not answer', { cause: err });
    }
  }
}
