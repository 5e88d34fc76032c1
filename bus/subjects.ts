// The only file that spells NATS subjects, stream and bucket names (DESIGN.md, "The bus").

/** A subject token from user input (a tenant id): refuse what NATS would read as structure. */
export function token(s: string): string {
  if (s.length === 0 || /[.*>\s]/.test(s)) throw new Error(`invalid subject token ${JSON.stringify(s)}`);
  return s;
}

export const streams = {
  ingest: 'MUNINN_INGEST',
  queryTasks: 'MUNINN_QUERY_TASKS',
} as const;

export const buckets = {
  members: 'muninn-members',
  partitions: 'muninn-partitions',
  checkpoints: 'muninn-checkpoints',
  resultsCache: 'muninn-results-cache',
  /** The compactor's lease: one key naming the one compactor working (bus/compactor-lease.ts). */
  compactor: 'muninn-compactor',
  /** Log deletion requests, one key per request (bus/delete-requests.ts): gateways add them, queriers filter by them, the compactor processes them. */
  deleteRequests: 'muninn-delete-requests',
} as const;

export const queueGroups = {
  distributors: 'distributors',
  frontends: 'frontends',
  /** Querier threads that hold live tails: one of them takes each tail a gateway opens. */
  tailers: 'tailers',
} as const;

export const subjects = {
  push: (tenant: string) => `muninn.push.${token(tenant)}`,
  pushAll: 'muninn.push.*',
  ingest: (partition: number) => `muninn.ingest.${partition}`,
  ingestAll: 'muninn.ingest.*',
  ingesterQuery: 'muninn.ingester.query',
  /** Queriers ask every live ingester for counts of what it holds (index stats, log volume); bus/ingester-volume.ts. */
  ingesterVolume: 'muninn.ingester.volume',
  /** Gateways ask frontends to run a query; not in DESIGN's first table, added with the query path. */
  frontendQuery: 'muninn.frontend.query',
  /** A gateway whose client went away tells every frontend the query's id: the one running it stops. */
  frontendCancel: 'muninn.frontend.cancel',
  queryTasks: 'muninn.query.tasks',
  tail: (tenant: string) => `muninn.tail.${token(tenant)}`,
  /**
   * Gateways ask a querier (queue group `tailers`) to hold a tail; the tail's control and its
   * frames then travel on inboxes. Not under muninn.tail.*, where a tenant could be called `open`.
   */
  tailOpen: 'muninn.tailer.open',
  /** Tail holders say which tenants they tail, now and then: ingesters publish only those tenants' entries. */
  tailInterest: 'muninn.tailer.interest',
} as const;
