// Errors a query meets while it runs (after parsing): 400 with Loki's message.
export class QueryError extends Error {
  override name = 'QueryError';
  readonly status = 400;
}
