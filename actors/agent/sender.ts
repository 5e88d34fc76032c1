// How a client sends a batch, over NATS or HTTP, and how a failure says whether to try again:
// as promtail, no answer (timeout, connection), 429 and 5xx are retried; any other status drops it.
import type { Batch } from './batch.ts';

export class SendError extends Error {
  override name = 'SendError';
  /** The status the server answered, or 0 when none answered. */
  constructor(
    msg: string,
    readonly status: number,
    opts?: ErrorOptions,
  ) {
    super(msg, opts);
  }

  get retriable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export interface Sender {
  /** The client's host:port, the `host` label of its metrics. */
  readonly host: string;
  /** The largest request body the server takes (NATS's max_payload); Infinity when unbounded. */
  maxBodyBytes(): number;
  /** Resolves with the body's bytes once the server acknowledged it; throws SendError. */
  send(tenant: string, batch: Batch, timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}
