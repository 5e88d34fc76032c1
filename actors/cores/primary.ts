// The primary process of a node that runs one process per core (`muninn start`, server.workers):
// it forks the workers, each a whole node with its own member id sharing the HTTP port (the
// primary only accepts connections and hands them round), answers their questions about the
// node as a whole (/ready: every worker ready; /metrics: every worker's summed), starts again a
// worker that dies, and on stop tells every worker to stop and waits for them.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { isCoreMessage, type CoreMessage } from './messages.ts';
import { WORKERS_ENV, WORKER_ENV } from './worker.ts';

/** A worker that dies is started again after this, doubled per death in a row up to MAX. */
const RESTART_MS = 500;
const MAX_RESTART_MS = 30_000;
/** A worker that lived this long had started well: its next death restarts it at once again. */
const HEALTHY_MS = 60_000;
/** How long a stop waits for the workers before it kills them. */
const STOP_GRACE_MS = 60_000;

interface Slot {
  worker?: Worker;
  startedAt: number;
  restarts: number;
  /** Its last report: null ready, a text why not, undefined before its first. */
  notReady?: string | null;
}

export class Primary {
  private readonly slots: Slot[];
  private readonly aggregator = new AggregatorRegistry();
  private stopping = false;

  constructor(
    private readonly count: number,
    private readonly logger: Logger,
  ) {
    this.slots = Array.from({ length: count }, () => ({ startedAt: 0, restarts: 0 }));
  }

  start(): void {
    for (let i = 0; i < this.count; i++) this.fork(i);
    this.logger.info({ workers: this.count }, `running ${this.count} worker processes, one per core`);
  }

  /** Tells every worker to stop (each hands its partitions over and flushes), then waits for them. */
  async stop(): Promise<void> {
    this.stopping = true;
    const alive = this.slots.map((s) => s.worker).filter((w): w is Worker => !!w && !w.isDead());
    await Promise.all(
      alive.map(
        (w) =>
          new Promise<void>((resolve) => {
            const kill = setTimeout(() => w.process.kill('SIGKILL'), STOP_GRACE_MS);
            w.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            this.send(w, { t: 'muninn:stop' });
          }),
      ),
    );
  }

  private fork(i: number): void {
    const slot = this.slots[i];
    const worker = cluster.fork({ [WORKER_ENV]: String(i), [WORKERS_ENV]: String(this.count) });
    slot.worker = worker;
    slot.startedAt = Date.now();
    slot.notReady = undefined;
    worker.on('message', (m: unknown) => void this.onMessage(worker, i, m));
    worker.once('exit', (code, signal) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      if (this.stopping) return;
      if (Date.now() - slot.startedAt > HEALTHY_MS) slot.restarts = 0;
      const wait = Math.min(MAX_RESTART_MS, RESTART_MS * 2 ** slot.restarts++);
      this.logger.error({ worker: i, code, signal }, `worker ${i} exited; starting it again in ${wait} ms`);
      setTimeout(() => !this.stopping && this.fork(i), wait).unref();
    });
  }

  private async onMessage(worker: Worker, i: number, m: unknown): Promise<void> {
    if (!isCoreMessage(m)) return;
    if (m.t === 'muninn:state') this.slots[i].notReady = m.notReady;
    if (m.t !== 'muninn:ask') return;
    let text: string | null;
    if (m.what === 'ready') text = this.notReady() ?? null;
    else text = await this.aggregator.clusterMetrics().catch((err: Error) => `# metrics of some workers are missing: ${err.message}\n`);
    this.send(worker, { t: 'muninn:answer', id: m.id, text });
  }

  /** Why the node is not ready: the first worker not running or not ready. */
  private notReady(): string | undefined {
    for (const [i, s] of this.slots.entries()) {
      if (!s.worker) return `Not ready: worker ${i} is not running (starting again)`;
      if (s.notReady === undefined) return `Not ready: worker ${i} is starting`;
      if (s.notReady !== null) return `${s.notReady} (worker ${i})`;
    }
    return undefined;
  }

  private send(w: Worker, m: CoreMessage): void {
    if (w.isConnected()) w.send(m);
  }
}
