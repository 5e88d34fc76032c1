// Watches partition leases from outside the cluster: who owns each partition now, and how long
// until every partition has a ready owner, the one placement chooses among a given set of
// ingesters (the hand-over and failover times the bench reports and the cluster tests wait for).
import type { NatsConnection } from 'nats';
import { desiredOwner } from '../actors/ingester/placement.ts';
import { Leases, connectBus, leaseOf, type Lease } from '../bus/index.ts';

/** One connection to the bus, read as often as asked; close() when done. */
export class LeaseWatch {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly leases: Leases,
  ) {}

  /** Binds the `muninn-partitions` bucket (made with `replicas` if nobody has made it yet). */
  static async open(natsUrl: string, ttlMs: number, replicas = 1): Promise<LeaseWatch> {
    const nc = await connectBus(natsUrl, 'muninn-lease-watch');
    try {
      return new LeaseWatch(nc, await Leases.open(nc, { ttlMs, replicas }));
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /** The partitions' leases as the bucket holds them now. */
  async now(): Promise<Map<number, Lease>> {
    const view = this.leases.view();
    try {
      await view.relist();
      const out = new Map<number, Lease>();
      for (const e of view.current().values()) {
        const l = leaseOf(e.key, e.value, e.revision, e.created);
        if (l) out.set(l.partition, l);
      }
      return out;
    } finally {
      view.stop();
    }
  }

  /**
   * Waits until every one of `partitions` is held, ready, by its desired owner among `owners` (the
   * live ingesters; rendezvous placement may give one of them none); resolves with the
   * milliseconds it took.
   */
  async settled(partitions: number, owners: string[], timeoutMs = 90_000): Promise<number> {
    const began = Date.now();
    const placed = Array.from({ length: partitions }, (_, p) => desiredOwner(p, owners));
    let last = 'nothing read yet';
    while (Date.now() - began < timeoutMs) {
      const leases = await this.now();
      const ready = [...leases.values()].filter((l) => l.ready).length;
      const misplaced = placed.flatMap((want, p) => (leases.get(p)?.owner === want ? [] : [`${p} on ${leases.get(p)?.owner ?? 'nobody'}, not ${want}`]));
      last = `${leases.size} leased, ${ready} ready, ${misplaced.length ? `misplaced: ${misplaced.join('; ')}` : 'each on its desired owner'}`;
      if (leases.size === partitions && ready === partitions && !misplaced.length) return Date.now() - began;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`partitions did not settle on ${[...owners].sort().join(',')} within ${timeoutMs} ms: ${last}`);
  }

  close(): Promise<void> {
    return this.nc.close();
  }
}

async function withWatch<T>(natsUrl: string, ttlMs: number, use: (w: LeaseWatch) => Promise<T>): Promise<T> {
  const w = await LeaseWatch.open(natsUrl, ttlMs);
  try {
    return await use(w);
  } finally {
    await w.close();
  }
}

/** The partitions' leases as the bucket holds them now. */
export const leasesNow = (natsUrl: string, ttlMs: number): Promise<Map<number, Lease>> => withWatch(natsUrl, ttlMs, (w) => w.now());

/** LeaseWatch.settled on a connection of its own. */
export const settled = (natsUrl: string, ttlMs: number, partitions: number, owners: string[], timeoutMs = 90_000): Promise<number> =>
  withWatch(natsUrl, ttlMs, (w) => w.settled(partitions, owners, timeoutMs));
