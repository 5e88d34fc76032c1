// JetStream in a cluster answers "no responders" (503) or not at all while it elects its meta
// leader or a new stream's leader, for a few seconds after the servers start or one of them goes:
// opening a bucket or stream waits that out rather than failing the process that starts.
import { ErrorCode, type NatsError } from 'nats';
import { isNoResponders } from './errors.ts';

const RETRY_MS = 250;

/** JetStream's code for a stream whose replicas it cannot place (yet: not every peer is known). */
const NO_PEERS_FOR_PLACEMENT = 10005;

/**
 * 503 is also how JetStream says "temporarily unavailable" while it has no leader; "no suitable
 * peers" comes while the servers are still learning of each other (and, for good, when replicas
 * exceed the servers: then the error comes after the wait).
 */
const isTransient = (err: unknown): boolean =>
  isNoResponders(err) ||
  (err as NatsError)?.code === ErrorCode.Timeout ||
  (err as NatsError)?.api_error?.err_code === NO_PEERS_FOR_PLACEMENT ||
  (err instanceof Error && err.cause !== undefined && isTransient(err.cause));

/** `open()`, tried again while JetStream is only not answering yet, for up to `timeoutMs`. */
export async function whenAnswered<T>(open: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await open();
    } catch (err) {
      if (!isTransient(err) || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}
