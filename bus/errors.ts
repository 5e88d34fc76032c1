// Errors of the bus, with their causes kept, and predicates over NATS's own errors.
import { ErrorCode, type NatsError } from 'nats';

export class BusError extends Error {
  override name = 'BusError';
}

/** Nobody answered in time; named as Node names timeouts, so the gateway answers 504. */
export class BusTimeoutError extends BusError {
  override name = 'TimeoutError';
}

export const isNoResponders = (err: unknown) => (err as NatsError)?.code === ErrorCode.NoResponders;

/** JetStream's answer to a KV write at a revision that is not the key's last (compare-and-set lost). */
export const isWrongRevision = (err: unknown) => /wrong last sequence|key exists/i.test((err as Error)?.message ?? '');
