// A process's one HTTP port: a table of routes, dispatched with Loki's answers for unknown paths
// (404) and methods (405) and for errors, and timed in loki_request_duration_seconds. The node
// mounts the operational routes on every process and, with the gateway role, Loki's API.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { sendError, sendSocketError, sendText } from './http-respond.ts';
import type { Metrics } from './metrics.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/**
 * A request to switch protocols (a WebSocket): the handler owns the socket. It resolves once the
 * exchange is over, or throws before it has answered, to answer with the error.
 */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => Promise<void>;

export interface Route {
  methods: string[];
  pattern: RegExp;
  /** The route label of loki_request_duration_seconds. */
  name: string;
  handle: Handler;
  /** For a route that also speaks WebSocket (the tail): its upgrade requests. */
  upgrade?: UpgradeHandler;
}

export class HttpServer {
  private server: Server | undefined;
  private readonly routes: Route[] = [];

  constructor(
    private readonly opts: { address: string; port: number },
    private readonly metrics: Metrics,
  ) {}

  mount(routes: Route[]): void {
    this.routes.push(...routes);
  }

  /** Listens; the port it got (the configured one, or the kernel's pick for 0). */
  async start(): Promise<number> {
    const server = createServer((req, res) => void this.dispatch(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.dispatchUpgrade(req, socket, head));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.address, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeIdleConnections();
    });
  }

  /** An upgrade request goes to the route that takes upgrades at its path; any other gets 404, as a plain request would. */
  private async dispatchUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const began = performance.now();
    const url = new URL(req.url ?? '/', 'http://muninn');
    const method = req.method ?? 'GET';
    const hit = this.routes.find((r) => r.upgrade && r.pattern.test(url.pathname) && r.methods.includes(method));
    socket.on('error', () => socket.destroy()); // a client gone mid-answer is not this process's error
    let status = 101;
    try {
      if (!hit?.upgrade) {
        status = sendSocketError(socket, Object.assign(new Error('404 page not found'), { status: 404 }));
        return;
      }
      await hit.upgrade(req, socket, head, url);
    } catch (err) {
      status = socket.writable ? sendSocketError(socket, err) : 499;
    } finally {
      this.metrics.requestDuration.observe({ method, route: hit?.name ?? 'other', status_code: String(status) }, (performance.now() - began) / 1000);
    }
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const began = performance.now();
    const url = new URL(req.url ?? '/', 'http://muninn');
    const method = req.method ?? 'GET';
    const hit = this.routes.find((r) => r.pattern.test(url.pathname) && r.methods.includes(method));
    let status = 200;
    try {
      if (!hit) {
        const known = this.routes.some((r) => r.pattern.test(url.pathname));
        status = known ? 405 : 404;
        sendText(res, status, known ? 'method not allowed\n' : '404 page not found\n');
        return;
      }
      await hit.handle(req, res, url);
      status = res.statusCode;
    } catch (err) {
      status = res.headersSent ? res.statusCode : sendError(res, err);
    } finally {
      this.metrics.requestDuration.observe({ method, route: hit?.name ?? 'other', status_code: String(status) }, (performance.now() - began) / 1000);
    }
  }
}
