// Errors a query meets while it runs (after parsing): 400 with Loki's message.
export class QueryError extends Error {
  override name = 'QueryError';
  readonly status = 400;
}

/** Loki 2.8's PipelineError text, for a metric series that still carries __error__. */
export function pipelineError(errorType: string, series: string): QueryError {
  return new QueryError(
    `pipeline error: '${errorType}' for series: '${series}'.\n` +
      `Use a label filter to intentionally skip this error. (e.g | __error__!="${errorType}").\n` +
      'To skip all potential errors you can match empty errors.(e.g __error__="")\n' +
      'The label filter can also be specified after unwrap. (e.g | unwrap latency | __error__="" )\n',
  );
}
