// Replies too large for one NATS message travel in parts to an inbox; the inbox reassembles
// each sender's parts and hands over whole bodies (or the sender's error).
import { createInbox, type NatsConnection, type Subscription } from 'nats';
import { encode } from './codec.ts';
import { subscribeDecoded } from './subscribe.ts';
import { BusError, BusTimeoutError } from './errors.ts';

/** Well under nats-server's default max_payload of 1 MiB. */
export const PART_BYTES = 512 * 1024;

interface Part {
  from: string;
  last: boolean;
  data?: Uint8Array;
  err?: string;
  status?: number;
}

/** An error a remote role sent back, with the HTTP status it was born with. */
export class RemoteError extends Error {
  override name = 'RemoteError';
  constructor(
    msg: string,
    readonly status: number,
  ) {
    super(msg);
  }
}

/** Sends `body` (or an error) to `subject` in parts, tagged with `from`. */
export function replyInParts(nc: NatsConnection, subject: string, from: string, body: Uint8Array | Error): void {
  if (body instanceof Error) {
    const status = (body as { status?: number }).status ?? 500;
    nc.publish(subject, encode({ from, last: true, err: body.message, status }));
    return;
  }
  if (body.length === 0) {
    nc.publish(subject, encode({ from, last: true, data: body }));
    return;
  }
  for (let at = 0; at < body.length; at += PART_BYTES) {
    const end = Math.min(body.length, at + PART_BYTES);
    nc.publish(subject, encode({ from, last: end === body.length, data: body.subarray(at, end) }));
  }
}

interface Waiter {
  resolve: (b: Uint8Array) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class Inbox {
  readonly subject = createInbox();
  private readonly sub: Subscription;
  private readonly partial = new Map<string, Uint8Array[]>();
  private readonly done = new Map<string, Uint8Array | Error>();
  private readonly waiters = new Map<string, Waiter>();

  constructor(nc: NatsConnection) {
    this.sub = subscribeDecoded<Part>(
      nc,
      this.subject,
      (p) => {
        this.onPart(p);
      },
    );
  }

  private onPart(p: Part): void {
    if (p.err !== undefined) return this.finish(p.from, new RemoteError(p.err, p.status ?? 500));
    const parts = this.partial.get(p.from) ?? [];
    if (p.data) parts.push(p.data);
    if (!p.last) {
      this.partial.set(p.from, parts);
      return;
    }
    this.partial.delete(p.from);
    this.finish(p.from, parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }

  private finish(from: string, result: Uint8Array | Error): void {
    const w = this.waiters.get(from);
    if (!w) {
      this.done.set(from, result);
      return;
    }
    this.waiters.delete(from);
    clearTimeout(w.timer);
    if (result instanceof Error) w.reject(result);
    else w.resolve(result);
  }

  /** The whole body `from` sent, or its error; rejects after timeoutMs. */
  wait(from: string, timeoutMs: number): Promise<Uint8Array> {
    if (this.sub.isClosed()) return Promise.reject(new BusError('inbox closed'));
    const ready = this.done.get(from);
    if (ready) {
      this.done.delete(from);
      return ready instanceof Error ? Promise.reject(ready) : Promise.resolve(ready);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(from);
        this.partial.delete(from);
        reject(new BusTimeoutError(`no reply from ${from} within ${timeoutMs}ms`));
      }, timeoutMs);
      this.waiters.set(from, { resolve, reject, timer });
    });
  }

  /** Forgets a sender whose reply is no longer wanted (a retried sub-query's first try). */
  forget(from: string): void {
    const w = this.waiters.get(from);
    if (w) clearTimeout(w.timer);
    this.waiters.delete(from);
    this.partial.delete(from);
    this.done.delete(from);
  }

  /** Rejects every wait; closing again does nothing. */
  close(): void {
    if (this.sub.isClosed()) return;
    for (const w of this.waiters.values()) {
      clearTimeout(w.timer);
      w.reject(new BusError('inbox closed'));
    }
    this.waiters.clear();
    this.sub.unsubscribe();
  }
}
