// Agents (and gateways without an in-process distributor) push over NATS to the queue group
// `distributors`; the reply is the acknowledgement or the error with its HTTP status.
import type { NatsConnection } from 'nats';
import { decode, encode } from './codec.ts';
import { BusError, isNoResponders } from './errors.ts';
import { RemoteError } from './inbox.ts';
import { queueGroups, subjects } from './subjects.ts';

/** A pushed stream: label text and entries as [ns decimal string, line, metadata?]. */
export interface BusPushStream {
  labels: string;
  entries: Array<[string, string, Array<[string, string]>?]>;
}

export function servePush(
  nc: NatsConnection,
  handle: (tenant: string, streams: BusPushStream[]) => Promise<void>,
): () => void {
  const sub = nc.subscribe(subjects.pushAll, {
    queue: queueGroups.distributors,
    callback: (err, msg) => {
      if (err) return;
      const tenant = msg.subject.slice(subjects.pushAll.length - 1);
      let body: { streams: BusPushStream[] };
      try {
        body = decode<{ streams: BusPushStream[] }>(msg.data);
      } catch (e) {
        msg.respond(encode({ ok: false, status: 400, error: (e as Error).message }));
        return;
      }
      handle(tenant, body.streams).then(
        () => msg.respond(encode({ ok: true })),
        (e: Error & { status?: number }) => msg.respond(encode({ ok: false, status: e.status ?? 500, error: e.message })),
      );
    },
  });
  return () => sub.unsubscribe();
}

/**
 * Resolves with the bytes sent once a distributor has made the push durable; throws RemoteError
 * with its status when it refused it, BusError when none answered in time (the agent resends).
 */
export async function pushOverBus(nc: NatsConnection, tenant: string, streams: BusPushStream[], timeoutMs = 10_000): Promise<number> {
  const body = encode({ streams });
  let reply;
  try {
    reply = await nc.request(subjects.push(tenant), body, { timeout: timeoutMs });
  } catch (err) {
    throw new BusError(isNoResponders(err) ? 'no distributor is running' : 'push not acknowledged in time', { cause: err });
  }
  const r = decode<{ ok: boolean; status?: number; error?: string }>(reply.data);
  if (!r.ok) throw new RemoteError(r.error ?? 'push failed', r.status ?? 500);
  return body.length;
}
