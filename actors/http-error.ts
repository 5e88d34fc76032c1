// Errors that carry their HTTP status from birth, and the table of those the API answers with
// (Loki's texts): the distributor and the gateway raise them, the gateway answers with them.

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    msg: string,
    opts?: ErrorOptions,
  ) {
    super(msg, opts);
  }
}

const bad = (msg: string, cause?: unknown) => new HttpError(400, msg, cause === undefined ? undefined : { cause });

/** Named constructors: one line each, Loki's message where Loki has one. */
export const httpErrors = {
  /** A request the client got wrong; the message names the problem. */
  badRequest: (msg: string, cause?: unknown) => bad(msg, cause),
  /** No X-Scope-OrgID header while multi-tenancy is on (Loki's middleware says exactly this). */
  noOrgId: () => new HttpError(401, 'no org id'),
  unsupportedEncoding: (encoding: string) => bad(`Content-Encoding ${JSON.stringify(encoding)} not supported`),
  /** A push body that inflates (gzip, deflate, snappy) past server.max_request_body_bytes: a decompression bomb, or just too big. */
  inflatedTooLarge: (max: number) => new HttpError(413, `request body too large: decompressed size over ${max} bytes`),
  // pkg/validation/validate.go RateLimitedErrorMsg
  rateLimited: (tenant: string, limitBytesPerSec: number, lines: number, bytes: number) =>
    new HttpError(
      429,
      `Ingestion rate limit exceeded for user ${tenant} (limit: ${Math.trunc(limitBytesPerSec)} bytes/sec) while attempting to ingest '${lines}' lines totaling '${bytes}' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased`,
    ),
  // pkg/loghttp/query.go and params.go
  endBeforeStart: () => bad('end timestamp must not be before or equal to start time'),
  nonPositiveStep: () => bad('zero or negative query resolution step widths are not accepted. Try a positive integer'),
  tooManyPoints: () =>
    bad('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'),
  negativeInterval: () => bad('interval must be >= 0'),
  nonPositiveLimit: () => bad('limit must be a positive value'),
  invalidDirection: (value: string) => bad(`invalid direction '${value}'`),
} as const;

/**
 * The status to answer an error with: its own when it is an HttpError, else
 * 499 for a cancelled request, 504 for a deadline, 500 (Loki's pkg/util/server/error.go).
 */
export function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  const name = (err as Error | undefined)?.name;
  if (name === 'AbortError') return 499;
  if (name === 'TimeoutError') return 504;
  return 500;
}
