// The agent's HTTP port (server.http_listen_port, promtail's 9080): /metrics and /ready.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export class OpsServer {
  private server: Server | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly notReady: () => string | undefined,
  ) {}

  /** Listens; resolves with the port (the kernel's pick for 0). */
  async start(address: string, port: number): Promise<number> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET') {
        res.writeHead(405).end();
      } else if (path === '/metrics') {
        this.registry.metrics().then(
          (text) => res.writeHead(200, { 'Content-Type': this.registry.contentType }).end(text),
          (err: Error) => res.writeHead(500).end(err.message),
        );
      } else if (path === '/ready') {
        const why = this.notReady();
        res.writeHead(why ? 503 : 200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${why ?? 'ready'}\n`);
      } else res.writeHead(404).end('404 page not found\n');
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((r) => {
      s.close(() => r());
      s.closeAllConnections();
    });
  }
}
