// The querier role of a node: worker threads (thread.ts), one per core by default, supervised
// from the node's main thread. A thread whose event loop has not turned for longer than a query
// may run is stuck in some evaluation its deadline checks missed: it is terminated and replaced,
// and the node goes on serving.
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { QuerierThreadData, ThreadMessage } from './thread.ts';

export interface QuerierThreadsOptions extends Omit<QuerierThreadData, 'entry' | 'concurrency' | 'indexCacheBytes'> {
  /** Threads to run; 0 for one per core. */
  threads: number;
  /** Sub-queries in flight across all threads (querier.max_concurrent). */
  max_concurrent: number;
  /** Silence past which a thread is deemed stuck. */
  stall_ms: number;
}

const RESPAWN_MS = 1000;

/** Under the data directory: the querier threads' copies of index files. */
export const INDEX_CACHE_DIR = 'index-cache';

interface Slot {
  worker: Worker;
  lastAlive: number;
  /** Live tails the thread holds, as it last said. */
  tails: number;
}

export class QuerierThreads {
  private readonly slots: Slot[] = [];
  private watchdog: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly opts: QuerierThreadsOptions,
    private readonly log: Logger,
    /** Told the live tails all threads hold, whenever that changes (loki_querier_tail_active). */
    private readonly onTails?: (active: number) => void,
  ) {}

  get count(): number {
    return this.opts.threads > 0 ? this.opts.threads : availableParallelism();
  }

  /** Resolves once every thread pulls from the work queue. */
  async start(): Promise<void> {
    const n = this.count;
    const { threads: _t, max_concurrent, stall_ms: _s, ...shared } = this.opts;
    // the index cache's bound is shared out between the threads; what an earlier run left in the
    // directory is counted by none of them, so it goes (copies of files since merged among it)
    await rm(join(this.opts.dataDir, INDEX_CACHE_DIR), { recursive: true, force: true });
    const data: QuerierThreadData = {
      ...shared,
      entry: new URL('./thread.ts', import.meta.url).href,
      concurrency: Math.max(1, Math.ceil(max_concurrent / n)),
      indexCacheBytes: Math.floor(this.opts.cfg.storage_config.index_cache_max_bytes / n),
    };
    await Promise.all(Array.from({ length: n }, (_, i) => this.spawn(i, data)));
    this.watchdog = setInterval(() => this.check(), 1000);
    this.watchdog.unref();
  }

  private spawn(i: number, data: QuerierThreadData): Promise<void> {
    const worker = new Worker(new URL('../ts-worker.mjs', import.meta.url), { workerData: data });
    const slot: Slot = { worker, lastAlive: Date.now(), tails: 0 };
    this.slots[i] = slot;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (m: ThreadMessage) => {
        slot.lastAlive = Date.now();
        if (m.type === 'tails') this.tailsChanged(slot, m.active);
        if (m.type === 'ready' && !started) {
          started = true;
          resolve();
        }
      });
      worker.on('error', (err) => {
        this.log.error({ err, thread: worker.threadId }, 'querier thread failed');
        if (!started) reject(err);
      });
      worker.on('exit', (code) => {
        this.tailsChanged(slot, 0); // its tails ended with it
        if (!started) return reject(new Error(`querier thread exited with ${code} before it started`));
        if (this.stopping || this.slots[i] !== slot) return;
        this.log.warn({ thread: worker.threadId, code }, 'querier thread ended; starting another');
        setTimeout(() => {
          if (!this.stopping) this.spawn(i, data).catch((err) => this.log.error({ err }, 'cannot restart a querier thread'));
        }, RESPAWN_MS);
      });
    });
  }

  private tailsChanged(slot: Slot, active: number): void {
    slot.tails = active;
    this.onTails?.(this.slots.reduce((n, s) => n + (s?.tails ?? 0), 0));
  }

  private check(): void {
    const now = Date.now();
    for (const slot of this.slots) {
      if (!slot || now - slot.lastAlive <= this.opts.stall_ms) continue;
      this.log.error({ thread: slot.worker.threadId, silentMs: now - slot.lastAlive }, 'querier thread stuck past the query timeout; terminating it');
      slot.lastAlive = now; // once: its exit starts the replacement
      void slot.worker.terminate();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.watchdog) clearInterval(this.watchdog);
    await Promise.all(
      this.slots.map(
        ({ worker }) =>
          new Promise<void>((resolve) => {
            const kill = setTimeout(() => void worker.terminate(), 10_000);
            worker.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            worker.on('message', (m: ThreadMessage) => {
              if (m.type === 'stopped') void worker.terminate();
            });
            worker.postMessage({ type: 'stop' });
          }),
      ),
    );
  }
}
