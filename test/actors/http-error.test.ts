// The HTTP errors carry Loki's statuses and texts, and unknown errors map to Loki's fallbacks.
import test from 'ava';
import { HttpError, httpErrors, statusOf } from '../../actors/http-error.ts';

test('an HttpError keeps its status, message, name and cause', (t) => {
  const cause = new Error('inner');
  const err = new HttpError(418, 'teapot', { cause });
  t.is(err.status, 418);
  t.is(err.message, 'teapot');
  t.is(err.name, 'HttpError');
  t.is(err.cause, cause);
  t.true(err instanceof Error);
});

const table: Array<[string, HttpError, number, string]> = [
  ['bad request', httpErrors.badRequest('nope'), 400, 'nope'],
  ['no org id', httpErrors.noOrgId(), 401, 'no org id'],
  ['unsupported encoding', httpErrors.unsupportedEncoding('br'), 400, 'Content-Encoding "br" not supported'],
  ['inflated too large', httpErrors.inflatedTooLarge(1024), 413, 'request body too large: decompressed size over 1024 bytes'],
  [
    'rate limited',
    httpErrors.rateLimited('t1', 4194304, 10, 2048),
    429,
    "Ingestion rate limit exceeded for user t1 (limit: 4194304 bytes/sec) while attempting to ingest '10' lines totaling '2048' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased",
  ],
  ['end before start', httpErrors.endBeforeStart(), 400, 'end timestamp must not be before or equal to start time'],
  ['non-positive step', httpErrors.nonPositiveStep(), 400, 'zero or negative query resolution step widths are not accepted. Try a positive integer'],
  ['too many points', httpErrors.tooManyPoints(), 400, 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'],
  ['negative interval', httpErrors.negativeInterval(), 400, 'interval must be >= 0'],
  ['non-positive limit', httpErrors.nonPositiveLimit(), 400, 'limit must be a positive value'],
  ['invalid direction', httpErrors.invalidDirection('up'), 400, "invalid direction 'up'"],
];

for (const [what, err, status, message] of table)
  test(`the ${what} error answers ${status} with Loki's text`, (t) => {
    t.is(err.status, status);
    t.is(err.message, message);
  });

test('an error without a status answers 499 when cancelled, 504 on a deadline and 500 otherwise', (t) => {
  t.is(statusOf(httpErrors.badRequest('x')), 400);
  t.is(statusOf(Object.assign(new Error('aborted'), { name: 'AbortError' })), 499);
  t.is(statusOf(Object.assign(new Error('late'), { name: 'TimeoutError' })), 504);
  t.is(statusOf(new Error('boom')), 500);
  t.is(statusOf('a string'), 500);
  t.is(statusOf(undefined), 500);
});
