// A process-wide bound on the bytes the ingest log may have in flight towards this process: every
// pull request reserves its max_bytes here first, so however many partitions replay at once the
// server never queues more for us than the budget (nats-server drops a connection whose pending
// data passes its max_pending, 64 MiB by default, as a slow consumer). Grants are first come,
// first served, so a large reservation is not starved by small ones.

interface Waiter {
  bytes: number;
  grant: () => void;
}

export class ByteBudget {
  private used = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly total: number) {}

  /**
   * Resolves once `bytes` (capped at the total) are reserved; give them back with the returned
   * function. Rejects, reserving nothing, if `signal` aborts first.
   */
  async take(bytes: number, signal?: AbortSignal): Promise<() => void> {
    const n = Math.min(bytes, this.total);
    signal?.throwIfAborted();
    if (this.waiters.length === 0 && this.used + n <= this.total) this.used += n;
    else
      await new Promise<void>((resolve, reject) => {
        const abort = () => {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          this.wake(); // a smaller waiter behind it may fit now
          reject(signal!.reason);
        };
        const w: Waiter = {
          bytes: n,
          grant: () => {
            signal?.removeEventListener('abort', abort);
            resolve();
          },
        };
        this.waiters.push(w);
        signal?.addEventListener('abort', abort, { once: true });
      });
    let returned = false;
    return () => {
      if (returned) return;
      returned = true;
      this.used -= n;
      this.wake();
    };
  }

  private wake(): void {
    while (this.waiters.length && this.used + this.waiters[0].bytes <= this.total) {
      const w = this.waiters.shift()!;
      this.used += w.bytes;
      w.grant();
    }
  }

  /** Bytes reserved right now, for metrics. */
  get inFlight(): number {
    return this.used;
  }
}
