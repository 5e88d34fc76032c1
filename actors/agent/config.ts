// The agent's configuration in promtail's shape and key names, for the parts the agent supports:
// an unknown key stops startup, named, as for the node; flags set scalar keys (`--server.http_listen_port=0`).
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, durationMs } from '../../config/index.ts';

export interface BackoffConfig {
  minMs: number;
  maxMs: number;
  maxRetries: number;
}

export interface ClientConfig {
  /** `url` (promtail's HTTP push) or `nats_url` (Muninn's bus): exactly one is set. */
  url?: string;
  natsUrl?: string;
  tenantId: string;
  batchWaitMs: number;
  batchSizeBytes: number;
  timeoutMs: number;
  backoff: BackoffConfig;
  externalLabels: Record<string, string>;
}

export interface StaticConfig {
  targets: string[];
  labels: Record<string, string>;
}

export interface ScrapeConfig {
  jobName: string;
  staticConfigs: StaticConfig[];
  /** Raw stage maps: each stage checks its own keys when the pipeline is compiled (stages/). */
  pipelineStages: unknown[];
}

export interface AgentConfig {
  server: { address: string; port: number };
  positions: { filename: string; syncPeriodMs: number; ignoreInvalidYaml: boolean };
  clients: ClientConfig[];
  scrapeConfigs: ScrapeConfig[];
  /** How often globs are matched again for new files (promtail's target_config.sync_period). */
  targetSyncMs: number;
  /** How long a tailer at the end of its file waits before it looks again, doubling from min to max. */
  poll: { minMs: number; maxMs: number };
}

type Tree = Record<string, unknown>;
export const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Refuses keys outside `allowed`, naming the first one with its path. */
export function checkKeys(t: unknown, allowed: readonly string[], where: string): Tree {
  if (t === undefined || t === null) return {};
  if (!isTree(t)) throw new ConfigError(`${where} must be a map`);
  for (const k of Object.keys(t)) if (!allowed.includes(k)) throw new ConfigError(`unknown configuration key ${where ? `${where}.` : ''}${k}`);
  return t;
}

export const str = (v: unknown, key: string, dflt?: string): string => {
  if (v === undefined || v === null) {
    if (dflt === undefined) throw new ConfigError(`configuration key ${key} is required`);
    return dflt;
  }
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new ConfigError(`configuration key ${key} must be a string`);
  return String(v);
};

export const num = (v: unknown, key: string, dflt: number): number => {
  if (v === undefined || v === null) return dflt;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new ConfigError(`configuration key ${key} must be a number, got ${JSON.stringify(v)}`);
  return n;
};

export const ms = (v: unknown, key: string, dflt: string): number => {
  const s = str(v, key, dflt);
  try {
    return durationMs(s);
  } catch {
    throw new ConfigError(`configuration key ${key}: invalid duration ${JSON.stringify(s)}`);
  }
};

export const bool = (v: unknown, key: string, dflt: boolean): boolean => {
  if (v === undefined || v === null) return dflt;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new ConfigError(`configuration key ${key} must be true or false, got ${JSON.stringify(v)}`);
};

export function stringMap(v: unknown, key: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isTree(v)) throw new ConfigError(`${key} must be a map`);
  const t = v;
  return Object.fromEntries(Object.entries(t).map(([k, x]) => [k, str(x, `${key}.${k}`)]));
}

const list = (v: unknown, key: string): unknown[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ConfigError(`configuration key ${key} must be a list`);
  return v;
};

function client(v: unknown, i: number): ClientConfig {
  const at = `clients[${i}]`;
  const t = checkKeys(v, ['url', 'nats_url', 'tenant_id', 'batchwait', 'batchsize', 'timeout', 'backoff_config', 'external_labels'], at);
  if ((t.url === undefined) === (t.nats_url === undefined)) throw new ConfigError(`${at} needs exactly one of url and nats_url`);
  const b = checkKeys(t.backoff_config, ['min_period', 'max_period', 'max_retries'], `${at}.backoff_config`);
  return {
    url: t.url === undefined ? undefined : str(t.url, `${at}.url`),
    natsUrl: t.nats_url === undefined ? undefined : str(t.nats_url, `${at}.nats_url`),
    // promtail sends no tenant when tenant_id is empty; Loki (and Muninn without auth) then uses `fake`
    tenantId: str(t.tenant_id, `${at}.tenant_id`, ''),
    batchWaitMs: ms(t.batchwait, `${at}.batchwait`, '1s'),
    batchSizeBytes: num(t.batchsize, `${at}.batchsize`, 1024 * 1024),
    timeoutMs: ms(t.timeout, `${at}.timeout`, '10s'),
    backoff: {
      minMs: ms(b.min_period, `${at}.backoff_config.min_period`, '500ms'),
      maxMs: ms(b.max_period, `${at}.backoff_config.max_period`, '5m'),
      maxRetries: num(b.max_retries, `${at}.backoff_config.max_retries`, 10),
    },
    externalLabels: stringMap(t.external_labels, `${at}.external_labels`),
  };
}

function scrapeConfig(v: unknown, i: number): ScrapeConfig {
  const at = `scrape_configs[${i}]`;
  const t = checkKeys(v, ['job_name', 'static_configs', 'pipeline_stages'], at);
  return {
    jobName: str(t.job_name, `${at}.job_name`),
    staticConfigs: list(t.static_configs, `${at}.static_configs`).map((s, j) => {
      const sat = `${at}.static_configs[${j}]`;
      const st = checkKeys(s, ['targets', 'labels'], sat);
      return { targets: list(st.targets, `${sat}.targets`).map((x) => str(x, `${sat}.targets`)), labels: stringMap(st.labels, `${sat}.labels`) };
    }),
    pipelineStages: list(t.pipeline_stages, `${at}.pipeline_stages`),
  };
}

/** `a.b=c` flags onto the YAML tree: only scalar keys, as lists are the file's business. */
function applyFlags(t: Tree, flags: Record<string, string>): void {
  for (const [name, value] of Object.entries(flags)) {
    const parts = name.split('.');
    let at = t;
    for (const p of parts.slice(0, -1)) {
      if (!isTree(at[p])) at[p] = {};
      at = at[p] as Tree;
    }
    at[parts[parts.length - 1]] = value;
  }
}

export function parseAgentConfig(tree: unknown, flags: Record<string, string> = {}): AgentConfig {
  if (tree !== null && tree !== undefined && !isTree(tree)) throw new ConfigError('the configuration must be a map');
  const t: Tree = { ...(tree ?? {}) };
  applyFlags(t, flags);
  checkKeys(t, ['server', 'positions', 'clients', 'scrape_configs', 'target_config', 'file_watch_config'], '');
  const server = checkKeys(t.server, ['http_listen_address', 'http_listen_port'], 'server');
  const positions = checkKeys(t.positions, ['filename', 'sync_period', 'ignore_invalid_yaml'], 'positions');
  const target = checkKeys(t.target_config, ['sync_period'], 'target_config');
  const watch = checkKeys(t.file_watch_config, ['min_poll_frequency', 'max_poll_frequency'], 'file_watch_config');
  const clients = list(t.clients, 'clients').map(client);
  if (clients.length === 0) throw new ConfigError('clients: at least one client is required');
  return {
    server: { address: str(server.http_listen_address, 'server.http_listen_address', '0.0.0.0'), port: num(server.http_listen_port, 'server.http_listen_port', 9080) },
    positions: {
      filename: str(positions.filename, 'positions.filename', '/tmp/positions.yaml'),
      syncPeriodMs: ms(positions.sync_period, 'positions.sync_period', '10s'),
      ignoreInvalidYaml: bool(positions.ignore_invalid_yaml, 'positions.ignore_invalid_yaml', false),
    },
    clients,
    scrapeConfigs: list(t.scrape_configs, 'scrape_configs').map(scrapeConfig),
    targetSyncMs: ms(target.sync_period, 'target_config.sync_period', '10s'),
    poll: {
      minMs: ms(watch.min_poll_frequency, 'file_watch_config.min_poll_frequency', '250ms'),
      maxMs: ms(watch.max_poll_frequency, 'file_watch_config.max_poll_frequency', '250ms'),
    },
  };
}

export function loadAgentConfig(file: string | undefined, flags: Record<string, string> = {}): AgentConfig {
  if (!file) throw new ConfigError('muninn agent needs -config.file');
  let tree: unknown;
  try {
    tree = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseAgentConfig(tree, flags);
}
