// Errors a query meets while it runs (after parsing), each with the HTTP status Loki answers with.
export class QueryError extends Error {
  override name = 'QueryError';
  /** 400 for what the user can fix (Loki's pipeline and limit errors); 500 for what Loki reports as internal. */
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
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

/** Loki's series limit (limits_config.max_query_series), a 400 as Loki's ErrLimit. */
export const seriesLimit = (max: number) => new QueryError(`maximum number of series (${max}) reached for a single query`);

/**
 * A query that ran past its deadline: Loki's ErrDeadlineExceeded text, and the name and status
 * the gateway answers a deadline with (504).
 */
export class QueryTimeoutError extends QueryError {
  override name = 'TimeoutError';
  constructor() {
    super(
      'Request timed out, decrease the duration of the request or add more label matchers (prefer exact match over regex match) to reduce the amount of data processed.',
      504,
    );
  }
}
