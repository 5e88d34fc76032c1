// Errors of the bus, with their causes kept, and predicates over NATS's own errors.
import { ErrorCode, type NatsError } from 'nats';

export class BusError extends Error {
  override name = 'BusError';
}

export const isNoResponders = (err: unknown) => (err as NatsError)?.code === ErrorCode.NoResponders;
export const isTimeout = (err: unknown) => (err as NatsError)?.code === ErrorCode.Timeout;
