// What every process answers on its HTTP port, whatever its roles: /ready (200, or 503 saying
// why not), /metrics, /config (the effective configuration), /runtime_config (the per-tenant
// overrides in effect) and Loki's buildinfo.
import { sendJson, sendText } from './http-respond.ts';
import type { Route } from './http-server.ts';
import type { Metrics } from './metrics.ts';

export interface OpsDeps {
  /** Why this node is not ready, or undefined when it is. */
  notReady: () => Promise<string | undefined>;
  /** Its metrics as Prometheus text. */
  metricsText: () => Promise<string>;
  metrics: Metrics;
  configText: () => string;
  /** The runtime config in effect: every overridden tenant's limits, or (`diff`) the overrides as written. */
  runtimeConfigText: (diff: boolean) => string;
  version: string;
}

export function opsRoutes(d: OpsDeps): Route[] {
  return [
    {
      methods: ['GET'],
      pattern: /^\/ready$/,
      name: 'ready',
      handle: async (_req, res) => {
        const why = await d.notReady();
        if (why === undefined) sendText(res, 200, 'ready\n');
        else sendText(res, 503, `${why}\n`);
      },
    },
    {
      methods: ['GET'],
      pattern: /^\/metrics$/,
      name: 'metrics',
      handle: async (_req, res) => sendText(res, 200, await d.metricsText(), d.metrics.registry.contentType),
    },
    { methods: ['GET'], pattern: /^\/config$/, name: 'config', handle: async (_req, res) => sendText(res, 200, d.configText(), 'text/yaml; charset=utf-8') },
    {
      methods: ['GET'],
      pattern: /^\/runtime_config$/,
      name: 'runtime_config',
      handle: async (_req, res, url) => sendText(res, 200, d.runtimeConfigText(url.searchParams.get('mode') === 'diff'), 'text/yaml; charset=utf-8'),
    },
    {
      methods: ['GET'],
      pattern: /^\/loki\/api\/v1\/status\/buildinfo$/,
      name: 'buildinfo',
      handle: async (_req, res) => sendJson(res, 200, { version: d.version, revision: '', branch: '', goVersion: '' }),
    },
  ];
}
