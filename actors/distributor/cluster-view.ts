// What the distributor reads of the cluster from muninn-members, counted again at most once a
// second rather than on every push: how many distributors share a tenant's rate (the global rate
// strategy) and how many streams each tenant has in the ingesters (max_global_streams_per_user).
import type { Member } from '../../bus/index.ts';

const RECOUNT_MS = 1000;

/** Roles whose processes push through a Distributor of their own: a gateway runs one in-process. */
const PUSHING_ROLES = ['distributor', 'gateway'];

export class ClusterView {
  private countedAt = -Infinity;
  private distributorCount = 1;
  private streams = new Map<string, number>();

  constructor(private readonly members: () => Member[]) {}

  /** Live processes that take pushes, this one included (at least 1). */
  distributors(now = Date.now()): number {
    this.recount(now);
    return this.distributorCount;
  }

  /** The tenant's streams in ingester memory, summed over the live ingesters' last heartbeats. */
  tenantStreams(tenant: string, now = Date.now()): number {
    this.recount(now);
    return this.streams.get(tenant) ?? 0;
  }

  private recount(now: number): void {
    if (now - this.countedAt < RECOUNT_MS) return;
    this.countedAt = now;
    const live = this.members();
    this.distributorCount = Math.max(1, live.filter((m) => m.roles.some((r) => PUSHING_ROLES.includes(r))).length);
    const streams = new Map<string, number>();
    for (const m of live) {
      const per = m.status?.tenantStreams;
      if (!m.roles.includes('ingester') || typeof per !== 'object' || per === null) continue;
      for (const [tenant, n] of Object.entries(per)) if (typeof n === 'number') streams.set(tenant, (streams.get(tenant) ?? 0) + n);
    }
    this.streams = streams;
  }
}
