// Loki's log deletion API (2.8): POST (or PUT) /loki/api/v1/delete adds a request, GET lists the
// tenant's, DELETE cancels one while its cancel period lasts. Parameters, checks, messages and
// answers are Loki's (pkg/storage/stores/indexshipper/compactor/deletion/request_handler.go); the
// requests live in NATS KV (bus/delete-requests.ts), so any gateway answers for any of them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeleteRequests, StoredRequest } from '../../bus/index.ts';
import type { DeletionMode } from '../../config/index.ts';
import { parseDeleteQuery } from '../../logql/delete-filter.ts';
import { formatGoDuration } from '../../logql/go-convert.ts';
import { parseDuration } from '../../logql/parser/units.ts';
import { HttpError, httpErrors } from '../http-error.ts';
import { sendJson } from '../http-respond.ts';
import type { Metrics } from '../metrics.ts';
import { parseRfc3339 } from './params.ts';
import { tenantOf } from './tenant.ts';

export interface DeleteRoutesOptions {
  auth_enabled: boolean;
  delete_request_cancel_period_ms: number;
}

export interface DeleteRoutesDeps {
  requests: DeleteRequests;
  /** The tenant's limits_config.deletion_mode as the runtime config has it now. */
  deletionMode: (tenant: string) => DeletionMode;
  metrics: Metrics;
}

const bad = httpErrors.badRequest;

export class DeleteRoutes {
  constructor(
    private readonly opts: DeleteRoutesOptions,
    private readonly deps: DeleteRoutesDeps,
  ) {}

  /** The tenant, once its deletion_mode allows the API (Loki's TenantMiddleware: 403 otherwise). */
  private tenant(req: IncomingMessage): string {
    const tenant = tenantOf(req, this.opts.auth_enabled);
    if (this.deps.deletionMode(tenant) === 'disabled') throw new HttpError(403, 'deletion is not available for this tenant');
    return tenant;
  }

  /** POST/PUT: a new request, 204. Loki reads these parameters from the URL only. */
  async add(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const tenant = this.tenant(req);
    const p = url.searchParams;
    const query = p.get('query') ?? '';
    if (!query) throw bad('query not set');
    try {
      parseDeleteQuery(query);
    } catch {
      throw bad('invalid query expression');
    }
    const startText = p.get('start') ?? '';
    if (!startText) throw bad('start time not set');
    const now = Date.now();
    const start = parseDeleteTime(startText, now);
    if (start === undefined) throw bad('invalid start time: require unix seconds or RFC3339 format');
    const end = parseDeleteTime(p.get('end') ?? '', now);
    if (end === undefined) throw bad('invalid end time: require unix seconds or RFC3339 format');
    if (end > now) throw bad('deletes in the future are not allowed');
    if (start > end) throw bad("start time can't be greater than end time");
    checkInterval(p.get('max_interval') ?? '', end - start);
    await this.deps.requests.add({ tenant, query, start, end, createdAt: now });
    this.deps.metrics.deleteRequestsReceived.inc({ user: tenant });
    res.writeHead(204);
    res.end();
  }

  /** GET: the tenant's requests, oldest first, in Loki's shape. */
  async list(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const tenant = this.tenant(req);
    const reqs = await this.deps.requests.list(tenant);
    sendJson(
      res,
      200,
      reqs.map(({ req: r }) => ({
        request_id: r.id,
        // model.Time in JSON: seconds, with the milliseconds as a fraction
        start_time: r.start / 1000,
        end_time: r.end / 1000,
        query: r.query,
        // one being processed is still `received` until done, as Loki lists it
        status: r.status === 'processed' ? 'processed' : 'received',
        created_at: r.createdAt / 1000,
      })),
    );
  }

  /**
   * DELETE: cancels a request not yet taken up, 204. Once its cancel period is over the compactor
   * may be removing its lines, so it is refused as Loki refuses one in process; the cancel is a
   * compare-and-set against the compactor's own, so one of them wins, never both.
   */
  async cancel(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const tenant = this.tenant(req);
    const id = url.searchParams.get('request_id') ?? '';
    for (;;) {
      const s = await this.deps.requests.get(tenant, id);
      if (!s) throw new HttpError(404, 'could not find delete request with given id');
      if (!this.cancellable(s)) throw bad('deletion of request which is in process or already processed is not allowed');
      if (await this.deps.requests.cancel(s)) break;
      // changed since it was read (taken up, or cancelled by another call): read it again
    }
    res.writeHead(204);
    res.end();
  }

  private cancellable(s: StoredRequest): boolean {
    return s.req.status === 'received' && Date.now() < s.req.createdAt + this.opts.delete_request_cancel_period_ms;
  }
}

/**
 * A delete's time as Loki reads it, epoch ms: RFC3339, else exactly ten characters of unix
 * seconds; empty is now. Undefined when it is neither.
 */
function parseDeleteTime(text: string, now: number): number | undefined {
  if (text === '') return now;
  const ns = parseRfc3339(text);
  if (ns !== undefined) return Number(ns / 1_000_000n);
  if (text.length !== 10) return undefined;
  const s = Number(text);
  return Number.isFinite(s) ? Math.round(s * 1000) : undefined;
}

/** Loki's max_interval checks (a request longer than it is split there; here it is taken whole, see the README). */
function checkInterval(text: string, spanMs: number): void {
  if (text === '') {
    if (spanMs < 1000) throw bad('difference between start time and end time must be at least one second');
    return;
  }
  let ns: number;
  try {
    // Go's time.ParseDuration: no days, weeks or years
    ns = /[dwy]/.test(text) ? NaN : parseDuration(text);
  } catch {
    ns = NaN;
  }
  if (!(ns >= 1e9)) throw bad("invalid max_interval: valid time units are 's', 'm', 'h'");
  if (ns > spanMs * 1e6) throw bad(`max_interval can't be greater than the interval to be deleted (${formatGoDuration(spanMs * 1e6)})`);
}
