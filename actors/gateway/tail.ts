// Loki's live tail, GET /loki/api/v1/tail over WebSocket: the parameters are checked before the
// upgrade (400, Loki's texts), then a querier is asked to hold the tail (bus/tail.ts) and each frame
// it sends is written to the socket as Loki's tail response. Whatever the querier refuses (a bad
// query, a metric query, max_concurrent_tail_requests) closes the socket with code 1011 and the
// reason, as Loki's handler does. A client slower than its tail loses entries, named in
// dropped_entries; a querier that stops is replaced by another, from the last entry sent on.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NatsConnection } from 'nats';
import { WebSocketServer, type WebSocket } from 'ws';
import { openTail, type TailFrame, type TailLink, type TailRequest } from '../../bus/index.ts';
import { httpErrors } from '../http-error.ts';
import { sendText } from '../http-respond.ts';
import { parseTailQuery } from './params.ts';
import { tenantOf } from './tenant.ts';

export interface TailOptions {
  auth_enabled: boolean;
  max_entries_limit_per_query: number;
}

/** Loki pings every second (wsPingPeriod): a dead client is found even when nothing is tailed. */
const PING_MS = 1000;
/** A client that has answered no ping for this long is gone. */
const PONG_TIMEOUT_MS = 30_000;
/** Bytes the socket may hold unsent; past it the client is not keeping up and entries are dropped. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Loki's maxDroppedEntriesPerTailResponse. */
const MAX_DROPPED = 1000;
/** Tries to move a tail to another querier before giving up. */
const MAX_REOPENS = 3;
/** RFC 6455: a close frame's reason fits in 123 bytes. */
const MAX_REASON_BYTES = 123;
/** RFC 6455 code 1011, what Loki closes with (CloseInternalServerErr). */
const CLOSE_ERROR = 1011;

export class TailRoute {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly open = new Set<TailConnection>();

  constructor(
    private readonly opts: TailOptions,
    private readonly nc: NatsConnection,
  ) {}

  /** A plain GET, with no Upgrade: checked as an upgrade would be, then refused as Loki's websocket library refuses it. */
  async plain(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.request(req, url);
    res.setHeader('Sec-WebSocket-Version', '13');
    sendText(res, 400, 'Bad Request\n');
  }

  /** An upgrade: refused with 400 before it, or a tail until either side ends it. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    const tail = this.request(req, url);
    const ws = await new Promise<WebSocket | undefined>((resolve) => {
      // a handshake ws refuses (no key, wrong version) is answered by ws and never calls back
      socket.once('close', () => resolve(undefined));
      this.wss.handleUpgrade(req, socket, head, resolve);
    });
    if (!ws) return;
    const conn = new TailConnection(ws, this.nc, tail);
    this.open.add(conn);
    await conn.run().finally(() => this.open.delete(conn));
  }

  private request(req: IncomingMessage, url: URL): TailRequest {
    const tenant = tenantOf(req, this.opts.auth_enabled);
    const p = parseTailQuery(url.searchParams, new Date());
    const max = this.opts.max_entries_limit_per_query;
    if (max > 0 && p.limit > max) throw httpErrors.badRequest(`max entries limit per query exceeded, limit > max_entries_limit (${p.limit} > ${max})`);
    return { tenant, query: p.query, start: String(p.start), limit: p.limit, delayFor: p.delayFor };
  }

  /** Drops every client's socket without a close frame, so logcli reconnects (to another gateway). */
  stop(): void {
    for (const c of this.open) c.terminate();
  }
}

/** One client's tail: its socket, the querier's link, and what it was not sent. */
class TailConnection {
  private link: TailLink | undefined;
  private closed = false;
  private reopens = 0;
  /** The newest entry sent: a tail moved to another querier starts after it. */
  private lastSent: bigint | undefined;
  private dropped: string[] = [];
  private pongAt = Date.now();

  constructor(
    private readonly ws: WebSocket,
    private readonly nc: NatsConnection,
    private readonly req: TailRequest,
  ) {}

  /** Resolves when the socket has closed, whoever closed it. */
  run(): Promise<void> {
    const done = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.on('close', () => this.end());
    this.ws.on('error', () => this.ws.terminate());
    this.ws.on('pong', () => (this.pongAt = Date.now()));
    const pinging = setInterval(() => {
      if (Date.now() - this.pongAt > PONG_TIMEOUT_MS) this.ws.terminate();
      else this.ws.ping();
    }, PING_MS);
    this.ws.once('close', () => clearInterval(pinging));
    void this.connect(this.req);
    return done;
  }

  private async connect(req: TailRequest): Promise<void> {
    try {
      const link = await openTail(this.nc, req, { frame: (f) => this.onFrame(f), lost: () => this.moveOn() });
      if (this.closed) return link.close();
      this.link = link;
      this.reopens = 0;
    } catch (err) {
      this.fail((err as Error).message);
    }
  }

  private onFrame(f: TailFrame): void {
    if (this.closed) return;
    if (f.streams?.length) this.write(f);
    else if (f.dropped) this.noteDropped(f.dropped);
    if (f.end !== undefined) {
      if (f.retry) this.moveOn();
      else this.fail(f.end);
    }
  }

  /** One Loki tail response: the frame's entries, and every drop not yet told. */
  private write(f: TailFrame): void {
    if (f.dropped) this.noteDropped(f.dropped);
    const streams = f.streams!;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      for (const [labels, ts] of streams) for (const t of ts) this.noteDropped([[labels, t]]);
      return;
    }
    const parts: string[] = [];
    for (const [labels, ts, lines] of streams) {
      const values = ts.map((t, i) => `["${t}",${JSON.stringify(lines[i])}]`);
      parts.push(`{"stream":${labels},"values":[${values.join(',')}]}`);
      const last = BigInt(ts[ts.length - 1]);
      if (this.lastSent === undefined || last > this.lastSent) this.lastSent = last;
    }
    // Loki leaves dropped_entries out when there are none
    const dropped = this.dropped.length ? `,"dropped_entries":[${this.dropped.join(',')}]` : '';
    this.dropped = [];
    this.ws.send(`{"streams":[${parts.join(',')}]${dropped}}`);
  }

  private noteDropped(entries: Array<[labels: string, ts: string]>): void {
    for (const [labels, ts] of entries) {
      if (this.dropped.length >= MAX_DROPPED) return;
      // Loki's DroppedStream: the timestamp, and the labels unless there are none
      this.dropped.push(labels === '{}' ? `{"timestamp":"${ts}"}` : `{"timestamp":"${ts}","labels":${labels}}`);
    }
  }

  /** Its querier stopped: another takes the tail on from the last entry sent. */
  private moveOn(): void {
    if (this.closed) return;
    this.link?.close();
    this.link = undefined;
    if (++this.reopens > MAX_REOPENS) return this.fail('the queriers holding this tail kept stopping');
    const start = this.lastSent === undefined ? this.req.start : String(this.lastSent + 1n);
    void this.connect({ ...this.req, start });
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.ws.close(CLOSE_ERROR, closeReason(reason));
    this.end();
  }

  terminate(): void {
    this.ws.terminate();
    this.end();
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.link?.close();
  }
}

/** A reason cut to what a close frame holds, on a character boundary. */
function closeReason(text: string): string {
  let s = text.trim();
  while (Buffer.byteLength(s) > MAX_REASON_BYTES) s = s.slice(0, -1);
  return s;
}
