// A querier's view of the delete requests: each tenant's compiled once per change of the watched
// bucket, and none for a tenant whose deletion_mode is disabled (Loki's queriers then filter
// nothing). What it filters by is named by a generation, which the querier sends back with each
// answer so that the frontend caches only answers filtered by the requests it keyed them on.
import type { DeleteRequestsView } from '../../bus/index.ts';
import type { DeletionMode } from '../../config/index.ts';
import { DeleteFilter } from '../../logql/delete-filter.ts';

const MS = 1_000_000n;

export class QuerierDeletes {
  private readonly filters = new Map<string, DeleteFilter | undefined>();

  constructor(
    private readonly view: DeleteRequestsView,
    private readonly mode: (tenant: string) => DeletionMode,
  ) {
    view.onChange(() => this.filters.clear());
  }

  /** The tenant's requests as a filter, or undefined when there is nothing to filter. */
  filter(tenant: string): DeleteFilter | undefined {
    if (this.mode(tenant) === 'disabled') return undefined;
    if (this.filters.has(tenant)) return this.filters.get(tenant);
    const reqs = this.view.of(tenant);
    // processed requests too: lines flushed after processing are still in the store
    const f = reqs.length ? new DeleteFilter(reqs.map((r) => ({ query: r.query, start: BigInt(r.start) * MS, end: BigInt(r.end) * MS }))) : undefined;
    this.filters.set(tenant, f);
    return f;
  }

  generation(tenant: string): string {
    return this.view.generation(tenant, this.mode(tenant) !== 'disabled');
  }
}
