// The HTTP gateway: Loki's API, as routes on the process's HTTP port. Pushes go to the
// distributor code in this process; queries go to a frontend over NATS.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NatsConnection } from 'nats';
import { askFrontend, type QueryRequest } from '../../bus/index.ts';
import { DeleteRoutes, type DeleteRoutesDeps } from './deletes.ts';
import { HttpError, httpErrors } from '../http-error.ts';
import { parseInstantQuery, parseLabelsQuery, parseRangeQuery, parseSeriesQuery } from './params.ts';
import { parseExpr } from '../../logql/parser/index.ts';
import { printExpr } from '../../logql/printer.ts';
import { sendJson } from '../http-respond.ts';
import type { Handler, Route } from '../http-server.ts';
import { tenantOf } from './tenant.ts';
import { parseIndexStatsQuery, parseVolumeQuery } from './volume-params.ts';
import { TailRoute } from './tail.ts';

export interface GatewayOptions {
  max_request_body_bytes: number;
  auth_enabled: boolean;
  query_timeout_ms: number;
  max_entries_limit_per_query: number;
  delete_request_cancel_period_ms: number;
}

/** What the gateway needs of the distributor in its process; the node hands it over, as roles never import each other. */
export interface PushTarget {
  pushBody(tenant: string, body: Buffer, contentType: string | undefined, contentEncoding: string | undefined, maxBytes: number): Promise<void>;
  pushOtlp(tenant: string, body: Buffer, contentType: string | undefined, contentEncoding: string | undefined, maxBytes: number): Promise<void>;
}

export interface GatewayDeps extends DeleteRoutesDeps {
  nc: NatsConnection;
  distributor: PushTarget;
}

export class Gateway {
  private readonly tail: TailRoute;
  private readonly deletes: DeleteRoutes;

  constructor(
    private readonly opts: GatewayOptions,
    private readonly deps: GatewayDeps,
  ) {
    this.tail = new TailRoute(opts, deps.nc);
    this.deletes = new DeleteRoutes(opts, deps);
  }

  /** Loki's API, for the process's HTTP port. */
  routes(): Route[] {
    const q = ['GET', 'POST'];
    const route = (methods: string[], pattern: RegExp, name: string, handle: Handler): Route => ({ methods, pattern, name, handle });
    return [
      route(['POST'], /^\/loki\/api\/v1\/push$/, 'push', (req, res) => this.push(req, res, 'pushBody')),
      route(['POST'], /^\/otlp\/v1\/logs$/, 'otlp_logs', (req, res) => this.push(req, res, 'pushOtlp')),
      route(q, /^\/loki\/api\/v1\/query_range$/, 'query_range', (req, res, url) => this.queryRange(req, res, url)),
      route(q, /^\/loki\/api\/v1\/query$/, 'query', (req, res, url) => this.instantQuery(req, res, url)),
      route(q, /^\/loki\/api\/v1\/labels?$/, 'labels', (req, res, url) => this.labels(req, res, url)),
      route(q, /^\/loki\/api\/v1\/label\/[^/]+\/values$/, 'label_values', (req, res, url) => this.labelValues(req, res, url)),
      route(q, /^\/loki\/api\/v1\/series$/, 'series', (req, res, url) => this.series(req, res, url)),
      route(q, /^\/loki\/api\/v1\/format_query$/, 'format_query', (req, res, url) => this.formatQuery(req, res, url)),
      route(q, /^\/loki\/api\/v1\/index\/stats$/, 'index_stats', (req, res, url) => this.indexStats(req, res, url)),
      route(q, /^\/loki\/api\/v1\/index\/volume$/, 'volume', (req, res, url) => this.volume(req, res, url, false)),
      route(q, /^\/loki\/api\/v1\/index\/volume_range$/, 'volume_range', (req, res, url) => this.volume(req, res, url, true)),
      route(['POST', 'PUT'], /^\/loki\/api\/v1\/delete$/, 'delete', (req, res, url) => this.deletes.add(req, res, url)),
      route(['GET'], /^\/loki\/api\/v1\/delete$/, 'delete', (req, res) => this.deletes.list(req, res)),
      route(['DELETE'], /^\/loki\/api\/v1\/delete$/, 'delete', (req, res, url) => this.deletes.cancel(req, res, url)),
      {
        ...route(['GET'], /^\/loki\/api\/v1\/tail$/, 'tail', (req, res, url) => this.tail.plain(req, res, url)),
        upgrade: (req, socket, head, url) => this.tail.upgrade(req, socket, head, url),
      },
    ];
  }

  /** Ends the live tails; their clients reconnect elsewhere. */
  stop(): void {
    this.tail.stop();
  }

  /** A Loki push or an OTLP logs export: 204 once durable, as Loki answers both. */
  private async push(req: IncomingMessage, res: ServerResponse, kind: keyof PushTarget): Promise<void> {
    const tenant = tenantOf(req, this.opts.auth_enabled);
    const body = await readBody(req, this.opts.max_request_body_bytes);
    const encoding = req.headers['content-encoding'] as string | undefined;
    await this.deps.distributor[kind](tenant, body, req.headers['content-type'], encoding, this.opts.max_request_body_bytes);
    res.writeHead(204);
    res.end();
  }

  /** Query parameters come in the URL, or in a form body for POST as Loki allows. */
  private async params(req: IncomingMessage, url: URL): Promise<URLSearchParams> {
    if (req.method !== 'POST') return url.searchParams;
    const body = (await readBody(req, 1024 * 1024)).toString('utf8');
    const sp = new URLSearchParams(url.searchParams);
    for (const [k, v] of new URLSearchParams(body)) sp.append(k, v);
    return sp;
  }

  /**
   * The frontend's answer; a client that goes away first stops the query: no more of its pieces
   * are put on the queue. `Cache-Control: no-cache` asks for an answer computed now, not cached.
   * `bare`: the data alone, not in Loki's status envelope (index stats answer so).
   */
  private async ask(http: IncomingMessage, res: ServerResponse, req: QueryRequest, bare = false): Promise<void> {
    if (/\bno-(cache|store)\b/i.test(http.headers['cache-control'] ?? '')) req.noCache = true;
    const gone = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) gone.abort();
    };
    res.once('close', onClose);
    const { data, warnings } = await askFrontend(this.deps.nc, req, Date.now() + this.opts.query_timeout_ms, gone.signal).finally(() => res.off('close', onClose));
    // `bare`: an answer Loki gives as its data alone (index stats), without status or warnings
    if (bare) return sendJson(res, 200, data);
    // Loki's response warnings: what the answer could not cover, said beside it
    sendJson(res, 200, warnings.length ? { status: 'success', data, warnings } : { status: 'success', data });
  }

  private checkLimit(limit: number): void {
    const max = this.opts.max_entries_limit_per_query;
    if (max > 0 && limit > max) throw httpErrors.badRequest(`max entries limit per query exceeded, limit > max_entries_limit (${limit} > ${max})`);
  }

  private async queryRange(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const tenant = tenantOf(req, this.opts.auth_enabled);
    const p = parseRangeQuery(await this.params(req, url), new Date());
    this.checkLimit(p.limit);
    await this.ask(req, res, {
      kind: 'query_range',
      tenant,
      query: p.query,
      start: String(p.start),
      end: String(p.end),
      step: Number(p.step),
      interval: p.interval === undefined ? undefined : Number(p.interval),
      limit: p.limit,
      direction: p.direction,
    });
  }

  private async instantQuery(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const tenant = tenantOf(req, this.opts.auth_enabled);
    const p = parseInstantQuery(await this.params(req, url), new Date());
    this.checkLimit(p.limit);
    await this.ask(req, res, { kind: 'query', tenant, query: p.query, time: String(p.time), limit: p.limit, direction: p.direction });
  }

  private async labels(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const tenant = tenantOf(req, this.opts.auth_enabled);
    const p = parseLabelsQuery(await this.params(req, url), new Date());
    await this.ask(req, res, { kind: 'labels', tenant, start: String(p.start), end: String(p.end), query: p.query });
  }

  private async labelValues(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const tenant = tenantOf(req, this.opts.auth_enabled);
    const name = decodeURIComponent(url.pathname.split('/')[5]);
    const p = parseLabelsQuery(await this.params(req, url), new Date());
    await this.ask(req, res, { kind: 'label_values', tenant, name, start: String(p.start), end: String(p.end), query: p.query });
  }

  /** Loki's format_query: the query printed canonically, or its parse error as a 400. */
  private async formatQuery(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const sp = await this.params(req, url);
    sendJson(res, 200, { status: 'success', data: printExpr(parseExpr(sp.get('query') ?? '')) });
  }

  /** Loki's index stats: streams, chunks, entries and bytes of lines a selector has in a range, from the index and ingester memory. */
  private async indexStats(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const tenant = tenantOf(req, this.opts.auth_enabled);
    const p = parseIndexStatsQuery(await this.params(req, url), new Date());
    await this.ask(req, res, { kind: 'index_stats', tenant, query: p.query, start: String(p.start), end: String(p.end) }, true);
  }

  /** Loki's log volume, instant or over a range of steps. */
  private async volume(req: IncomingMessage, res: ServerResponse, url: URL, range: boolean): Promise<void> {
    const tenant = tenantOf(req, this.opts.auth_enabled);
    const p = parseVolumeQuery(await this.params(req, url), new Date(), range);
    const { query, limit, targetLabels, aggregateBy } = p;
    await this.ask(req, res, { kind: 'volume', tenant, query, start: String(p.start), end: String(p.end), step: Number(p.step), limit, targetLabels, aggregateBy });
  }

  private async series(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const tenant = tenantOf(req, this.opts.auth_enabled);
    const p = parseSeriesQuery(await this.params(req, url), new Date());
    await this.ask(req, res, { kind: 'series', tenant, match: p.match, start: String(p.start), end: String(p.end) });
  }
}

/** The request body, refused past `max` bytes so one client cannot exhaust memory. */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new HttpError(413, `request body too large: over ${max} bytes`);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts, size);
}
