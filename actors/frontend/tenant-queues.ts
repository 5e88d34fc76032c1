// Fairness between tenants: the work queue in JetStream is first in, first out, so a tenant that
// floods it would make every other tenant's pieces wait behind its own. The frontend therefore
// keeps only a few pieces on it at a time and holds the rest here, a queue per tenant, taking
// from the tenants in turn (as Loki's scheduler serves its tenant queues round-robin).

interface Waiter {
  grant(): void;
}

export class TenantQueues {
  /** Tenants with pieces waiting, in the order they are served next. */
  private readonly waiting = new Map<string, Waiter[]>();
  private inFlight = 0;

  /** `limit()`: how many pieces may be on the work queue at once, asked whenever one could go. */
  constructor(private readonly limit: () => number) {}

  /**
   * Resolves once one of the tenant's pieces may go on the work queue, with the release the piece
   * must call once its answer is in (or it gave up); with undefined when `deadline` (epoch ms)
   * comes first. Rejects with `signal`'s reason when the query ends first.
   */
  slot(tenant: string, deadline: number, signal?: AbortSignal): Promise<(() => void) | undefined> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise((resolve, reject) => {
      const detach = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      // given up while waiting: out of its tenant's queue (a granted one is out already)
      const leave = () => {
        detach();
        this.remove(tenant, waiter);
      };
      const waiter: Waiter = {
        grant: () => {
          detach();
          this.inFlight++;
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            this.inFlight--;
            this.next();
          });
        },
      };
      const onAbort = () => {
        leave();
        reject(signal!.reason as Error);
      };
      const timer = setTimeout(() => {
        leave();
        resolve(undefined);
      }, Math.max(0, deadline - Date.now()));
      signal?.addEventListener('abort', onAbort, { once: true });
      const list = this.waiting.get(tenant);
      if (list) list.push(waiter);
      else this.waiting.set(tenant, [waiter]);
      this.next();
    });
  }

  /** Grants places while there are some: one piece of the next tenant in turn, which then goes to the back. */
  private next(): void {
    while (this.inFlight < Math.max(1, this.limit())) {
      const first = this.waiting.entries().next();
      if (first.done) return;
      const [tenant, list] = first.value;
      const waiter = list.shift()!;
      this.waiting.delete(tenant);
      if (list.length) this.waiting.set(tenant, list);
      waiter.grant();
    }
  }

  private remove(tenant: string, waiter: Waiter): void {
    const list = this.waiting.get(tenant);
    if (!list) return;
    const at = list.indexOf(waiter);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.waiting.delete(tenant);
  }
}
