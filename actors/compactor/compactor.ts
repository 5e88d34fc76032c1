// The compactor: the one process holding the compactor lease merges every tenant's days of index
// files every compaction_interval (run.ts), as Loki's compactor does with its ring. A process that
// does not hold the lease asks again each renewal period and takes over when the holder's lease
// lapses; the holder renews it while it works, and stops between days once it has lost it. A run
// keeps nothing but what it writes to the store, so a compactor killed at any step is resumed by
// the next run, here or in another process. With compactor.retention_enabled each run also drops
// expired chunks (retention.ts), and processes the delete requests past their cancel period (deletes.ts).
import type { Logger } from 'pino';
import type { CompactorLease, DeleteRequests } from '../../bus/index.ts';
import type { ChunkEncoding, DeletionMode } from '../../config/index.ts';
import type { ObjectStore } from '../../storage/index.ts';
import type { Metrics } from '../metrics.ts';
import type { Retention } from './retention.ts';
import { processDeletes, type DeletesResult } from './deletes.ts';
import { runCompaction, type RunResult } from './run.ts';

export interface CompactorOptions {
  id: string;
  compaction_interval_ms: number;
  index_delete_delay_ms: number;
  retention_delete_delay_ms: number;
  working_directory: string;
  delete_request_cancel_period_ms: number;
  /** How chunks written anew without deleted lines are laid out, as the ingesters write theirs. */
  chunk_block_size: number;
  chunk_encoding: ChunkEncoding;
}

export interface CompactorDeps {
  store: ObjectStore;
  lease: CompactorLease;
  requests: DeleteRequests;
  /** A tenant's limits_config.deletion_mode as the runtime config has it now. */
  deletionMode: (tenant: string) => DeletionMode;
  metrics: Metrics;
  log: Logger;
  /** Absent when compactor.retention_enabled is off. */
  retention?: Retention;
}

export class Compactor {
  private active = false;
  private stopped = false;
  private renewing: NodeJS.Timeout | undefined;
  private next: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private lastRun: (RunResult & { at: number; ms: number }) | undefined;
  private lastError: string | undefined;
  private filesMergedTotal = 0;
  private chunksDeletedTotal = 0;
  private daysDeletedTotal = 0;
  private lastDeletes: DeletesResult | undefined;
  private deletesError: string | undefined;

  constructor(
    private readonly opts: CompactorOptions,
    private readonly deps: CompactorDeps,
  ) {}

  async start(): Promise<void> {
    await this.renew();
    // the lease is renewed three times per TTL, whether or not a run is going on
    this.renewing = setInterval(() => void this.renew(), Math.max(100, this.deps.lease.ttlMs / 3));
    this.schedule(0);
  }

  /** Holds (or tries to take) the lease; `active` says whether this process may work. */
  private async renew(): Promise<void> {
    if (this.stopped) return;
    const was = this.active;
    try {
      this.active = await this.deps.lease.hold(this.opts.id);
    } catch (err) {
      // NATS unreachable: the lease may lapse meanwhile, so stop working until it is renewed
      this.active = false;
      this.deps.log.warn({ err }, 'renewing the compactor lease failed');
    }
    this.deps.metrics.compactorRunning.set(this.active ? 1 : 0);
    if (this.active !== was) this.deps.log.info({ active: this.active }, this.active ? 'compactor lease taken: this compactor works' : 'compactor lease lost');
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.next = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule(this.opts.compaction_interval_ms));
    }, ms);
  }

  private async tick(): Promise<void> {
    if (!this.active) return;
    const started = Date.now();
    try {
      const result = await runCompaction(this.deps.store, {
        workDir: this.opts.working_directory,
        deleteDelayMs: this.opts.index_delete_delay_ms,
        chunkDeleteDelayMs: this.opts.retention_delete_delay_ms,
        keepGoing: () => this.active && !this.stopped,
        retention: this.deps.retention,
        metrics: this.deps.metrics,
      });
      const ms = Date.now() - started;
      this.lastRun = { ...result, at: started, ms };
      this.lastError = undefined;
      this.filesMergedTotal += result.filesMerged;
      this.chunksDeletedTotal += result.chunksDeleted;
      this.daysDeletedTotal += result.daysDeleted;
      this.deps.metrics.compactTables.inc({ status: 'success' });
      if (this.deps.retention) this.deps.metrics.applyRetentionLastSuccess.set(Math.floor(Date.now() / 1000));
      this.deps.metrics.compactTablesDuration.set(ms / 1000);
      this.deps.metrics.compactTablesLastSuccess.set(Math.floor(Date.now() / 1000));
      this.deps.log.info({ ...result, ms }, 'compaction run done');
    } catch (err) {
      this.lastError = (err as Error).message;
      this.deps.metrics.compactTables.inc({ status: 'failure' });
      this.deps.log.error({ err }, 'compaction run failed; the next run starts over from the store');
    }
    await this.deletes();
  }

  /** The deletion step of a run: the delete requests past their cancel period removed from the store. */
  private async deletes(): Promise<void> {
    if (!this.active || this.stopped) return;
    try {
      const o = this.opts;
      this.lastDeletes = await processDeletes(this.deps.store, this.deps.requests, this.deps.metrics, {
        cancelPeriodMs: o.delete_request_cancel_period_ms,
        workDir: o.working_directory,
        deleteDelayMs: o.index_delete_delay_ms,
        chunkDeleteDelayMs: o.retention_delete_delay_ms,
        blockSize: o.chunk_block_size,
        encoding: o.chunk_encoding,
        deletionMode: this.deps.deletionMode,
        keepGoing: () => this.active && !this.stopped,
      });
      this.deletesError = undefined;
      if (this.lastDeletes.processed) this.deps.log.info({ ...this.lastDeletes }, 'delete requests processed');
    } catch (err) {
      this.deletesError = (err as Error).message;
      this.deps.log.error({ err }, 'processing delete requests failed; the next run does their work again');
    }
  }

  /** For `muninn status`: whether this one works, and its last run. */
  status(): Record<string, unknown> {
    return {
      compactor: {
        active: this.active,
        lastRunAt: this.lastRun?.at ?? null,
        lastRunMs: this.lastRun?.ms ?? null,
        days: this.lastRun?.days ?? null,
        filesMerged: this.lastRun?.filesMerged ?? null,
        filesDeleted: this.lastRun?.filesDeleted ?? null,
        filesMergedTotal: this.filesMergedTotal,
        lastError: this.lastError ?? null,
        retention: {
          enabled: this.deps.retention !== undefined,
          chunksDropped: this.lastRun?.chunksDropped ?? null,
          chunksDeleted: this.lastRun?.chunksDeleted ?? null,
          chunksPending: this.lastRun?.chunksPending ?? null,
          chunksDeletedTotal: this.chunksDeletedTotal,
          daysDeletedTotal: this.daysDeletedTotal,
        },
        // delete requests past their cancel period not yet processed, when the last run began
        pendingDeleteRequests: this.lastDeletes?.pending ?? null,
        deleteRequestsProcessed: this.lastDeletes?.processed ?? null,
        deletesError: this.deletesError ?? null,
      },
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.renewing);
    clearTimeout(this.next);
    await this.running;
    this.active = false;
    this.deps.metrics.compactorRunning.set(0);
    await this.deps.lease.release().catch((err) => this.deps.log.warn({ err }, 'releasing the compactor lease failed; it lapses by itself'));
  }
}
