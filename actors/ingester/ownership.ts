// Which partitions this ingester holds, by lease: it claims the free ones placed on it
// (placement.ts), renews what it holds, hands over what is now placed elsewhere, and lets go at
// once of what it has lost. Writes are allowed only while a lease is known to be valid: a
// process frozen past the lease's TTL must renew (and fail, if another owner took over) before
// it may write anything again.
import type { Logger } from 'pino';
import { LeaseLostError, leaseOf, type BucketView, type Lease, type Leases } from '../../bus/index.ts';
import { InTurn } from '../../model/in-turn.ts';
import { desiredOwner } from './placement.ts';

/** What the ingester does when a partition changes hands. */
export interface OwnershipHooks {
  /** Start reading a partition just claimed. */
  take(partition: number): Promise<void>;
  /** Stop, flush and checkpoint a partition before its lease is released. */
  handOff(partition: number): Promise<void>;
  /** Forget a partition whose lease was lost: stop reading, drop its memory, write nothing. */
  drop(partition: number): void;
  /** Whether a held partition has caught up (published with each renewal). */
  isReady(partition: number): boolean;
}

export interface OwnershipOptions {
  id: string;
  partitions: number;
  /** ingester.lease_ttl. */
  ttl_ms: number;
}

interface Held {
  revision: number;
  /** Local clock of the last successful claim or renewal. */
  renewedAt: number;
  /** The ready flag the lease last said. */
  ready: boolean;
  /** A hand-over in progress. */
  leaving?: Promise<void>;
  /**
   * Lease writes go one at a time, each at the revision the last one made: two at once would both
   * write at the same revision, and the loser would take itself for having lost the partition (or
   * a release would miss a renewal's new revision and leave the lease to expire).
   */
  writes: InTurn;
}

/** How often the ingester looks again at membership and leases. */
const RECONCILE_MS = 1000;
/** A lease is trusted for writes only this far into its TTL: room for slow clocks and slow writes. */
const TRUST = 0.8;

export class Ownership {
  private readonly held = new Map<number, Held>();
  /** When each free partition was first seen free, to claim it anyway if its desired owner does not. */
  private readonly freeSince = new Map<number, number>();
  private ticker: NodeJS.Timeout | undefined;
  private renewer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private queued = false;
  private stopped = false;
  /** The live ingesters the last placement was over, to log when they change. */
  private placedOver = '';

  constructor(
    private readonly opts: OwnershipOptions,
    private readonly deps: { leases: Leases; view: BucketView; liveIngesters: () => string[]; hooks: OwnershipHooks; logger: Logger },
  ) {}

  async start(): Promise<void> {
    await this.deps.view.start();
    this.deps.view.onChange(() => this.reconcileSoon());
    this.reconcileSoon();
    await this.running;
    this.ticker = setInterval(() => this.reconcileSoon(), RECONCILE_MS);
    this.renewer = setInterval(() => void this.renewAll(), this.opts.ttl_ms / 3);
  }

  /** Partitions held now. */
  partitions(): number[] {
    return [...this.held.keys()];
  }

  /** Whether this ingester may write for (and answer for) `partition` right now. */
  valid(partition: number): boolean {
    const h = this.held.get(partition);
    return !!h && !this.stopped && Date.now() - h.renewedAt < this.opts.ttl_ms * TRUST;
  }

  /** The partitions placed on this ingester that it does not hold yet (it is not ready until it does). */
  missing(): number[] {
    const live = this.live();
    const out: number[] = [];
    for (let p = 0; p < this.opts.partitions; p++) if (desiredOwner(p, live) === this.opts.id && !this.held.has(p)) out.push(p);
    return out;
  }

  /** Renews one partition's lease now (after it caught up, or before a write once trust has lapsed). */
  async renew(partition: number): Promise<boolean> {
    const h = this.held.get(partition);
    if (!h) return false;
    return h.writes.run(async () => {
      if (this.held.get(partition) !== h) return false; // handed over or lost meanwhile
      const ready = this.deps.hooks.isReady(partition);
      try {
        h.revision = await this.deps.leases.renew(partition, this.opts.id, h.revision, ready);
        h.renewedAt = Date.now();
        h.ready = ready;
        return true;
      } catch (err) {
        if (err instanceof LeaseLostError) this.lost(partition, err);
        else this.deps.logger.warn({ err, partition }, 'renewing a partition lease failed; retrying');
        return false;
      }
    });
  }

  /**
   * Stops taking partitions, then hands every held one over (handOff, then release) or, when no
   * other ingester will take them, just releases them (a restart or a newcomer claims them at once).
   */
  async stop(handOver: boolean): Promise<void> {
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    if (this.renewer) clearInterval(this.renewer);
    await this.running;
    await Promise.all(
      [...this.held].map(([p, h]) =>
        handOver
          ? this.leave(p)
          : h.writes.run(() => this.deps.leases.release(p, h.revision)).catch((err) => this.deps.logger.warn({ err, partition: p }, 'releasing a lease failed; it will expire')),
      ),
    );
    this.held.clear();
    this.deps.view.stop();
  }

  private live(): string[] {
    const live = this.deps.liveIngesters();
    return this.stopped ? live.filter((id) => id !== this.opts.id) : live.includes(this.opts.id) ? live : [...live, this.opts.id];
  }

  /** One reconcile at a time, and at most one more waiting: changes seen meanwhile are all in it. */
  private reconcileSoon(): void {
    if (this.stopped || this.queued) return;
    this.queued = true;
    this.running = this.running
      .then(() => {
        this.queued = false;
        return this.reconcile();
      })
      .catch((err) => this.deps.logger.warn({ err }, 'placing partitions failed; retrying'));
  }

  private async renewAll(): Promise<void> {
    await Promise.all([...this.held.keys()].map((p) => this.renew(p)));
  }

  /** The partition is not ours any more (a write at its revision failed): let it go at once. */
  lost(partition: number, err: Error): void {
    if (!this.held.delete(partition)) return;
    this.deps.logger.warn({ err, partition }, 'lost the lease of a partition; dropping it');
    this.deps.hooks.drop(partition);
  }

  /** Claims what is placed here and free, hands over what is placed elsewhere. */
  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const live = this.live();
    const over = [...live].sort().join(', ');
    if (over !== this.placedOver) {
      this.placedOver = over;
      this.deps.logger.info({ ingesters: live.length }, `placing partitions over ${over}`);
    }
    const leases = new Map<number, Lease>();
    for (const e of this.deps.view.current().values()) {
      const l = leaseOf(e.key, e.value, e.revision, e.created);
      if (l) leases.set(l.partition, l);
    }
    const now = Date.now();
    const claims: Array<Promise<number | undefined>> = [];
    for (let p = 0; p < this.opts.partitions; p++) {
      const desired = desiredOwner(p, live);
      const lease = leases.get(p);
      const h = this.held.get(p);
      if (h) {
        if (desired !== this.opts.id && desired !== undefined && !h.leaving) void this.leave(p);
        continue;
      }
      if (lease && lease.owner !== this.opts.id) {
        this.freeSince.delete(p);
        continue;
      }
      // free, or still named for this ingester by an earlier run of it (same id, same data): take it
      const since = this.freeSince.get(p) ?? now;
      this.freeSince.set(p, since);
      const orphaned = now - since > this.opts.ttl_ms; // its desired owner is not taking it (frozen, or dead and not yet out of muninn-members)
      if (desired === this.opts.id || orphaned || lease?.owner === this.opts.id) claims.push(this.claim(p, lease));
    }
    const taken = (await Promise.all(claims)).filter((p): p is number => p !== undefined);
    if (taken.length) this.deps.logger.info({ partitions: taken }, `took partition${taken.length > 1 ? 's' : ''} ${taken.join(', ')}`);
  }

  /** Takes partition `p`; resolves with it when taken. */
  private async claim(p: number, lease: Lease | undefined): Promise<number | undefined> {
    let revision: number | undefined;
    if (lease?.owner === this.opts.id) {
      // ours from before a restart: take it over at its revision, which fails if it moved on
      try {
        revision = await this.deps.leases.renew(p, this.opts.id, lease.revision, false);
      } catch (err) {
        if (!(err instanceof LeaseLostError)) throw err;
      }
    } else revision = await this.deps.leases.claim(p, this.opts.id);
    if (revision === undefined) return undefined;
    this.freeSince.delete(p);
    this.held.set(p, { revision, renewedAt: Date.now(), ready: false, writes: new InTurn() });
    try {
      await this.deps.hooks.take(p);
    } catch (err) {
      // could not start reading it: give it back for another try
      this.held.delete(p);
      this.deps.hooks.drop(p);
      await this.deps.leases.release(p, revision).catch(() => undefined);
      throw err;
    }
    return p;
  }

  /** Flush, checkpoint, release: the next owner replays from the checkpoint just written. */
  private leave(p: number): Promise<void> {
    const h = this.held.get(p);
    if (!h) return Promise.resolve();
    h.leaving ??= (async () => {
      try {
        await this.deps.hooks.handOff(p);
        if (this.held.get(p) !== h) return; // lost meanwhile: nothing to release
        this.held.delete(p);
        await h.writes.run(() => this.deps.leases.release(p, h.revision));
        this.deps.logger.info({ partition: p }, `handed partition ${p} over`);
      } catch (err) {
        this.deps.logger.warn({ err, partition: p }, 'handing a partition over failed; it will be claimed when its lease expires');
        if (this.held.get(p) === h) this.lost(p, err as Error);
      }
    })();
    return h.leaving;
  }
}
