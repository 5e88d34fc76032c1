// A Muninn process: connects to NATS and hosts the roles its target names, as Loki's -target.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { stringify } from 'yaml';
import { MEMBER_TTL_MS, Members, connectBus, watchConnection, whenAnswered, type Member } from '../bus/index.ts';
import { durationMs, RuntimeConfig, type Config } from '../config/index.ts';
import type { StorageConfig } from '../storage/index.ts';
import type { Distributor } from './distributor/distributor.ts';
import type { CoreLink } from './cores/worker.ts';
import { HttpServer } from './http-server.ts';
import { createMetrics } from './metrics.ts';
import { opsRoutes } from './ops-routes.ts';
import { ROLES, START_ORDER, openDistributor, roleTable, type NodeParts, type Role, type RunningRole } from './roles.ts';

export { ROLES, type Role } from './roles.ts';
export const VERSION = '0.1.0';

/** How often a node heartbeats into muninn-members (entries live MEMBER_TTL_MS). */
const HEARTBEAT_MS = 5000;
/** How often a worker tells its primary whether it is ready. */
const REPORT_MS = 500;

export function rolesOf(target: string): Role[] {
  const names = target.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.includes('all')) return [...ROLES];
  for (const n of names) if (!ROLES.includes(n as Role)) throw new Error(`unknown target ${n}; known: all, ${ROLES.join(', ')}`);
  return names as Role[];
}

export interface MuninnNode {
  id: string;
  roles: Role[];
  /** The HTTP port: Loki's API when this node runs the gateway, /metrics and /ready always. */
  port: number;
  ready(): boolean;
  stop(): Promise<void>;
}

/** A stable id per data directory, so an ingester's index files keep their name across restarts. */
function nodeIdOf(dataDir: string): string {
  const file = join(dataDir, 'node-id');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const id = `muninn-${randomUUID().slice(0, 8)}`;
    writeFileSync(file, id + '\n');
    return id;
  }
}

/**
 * Starts the roles of `cfg.target` in this process. `link`: this process is one worker of a node
 * running one per core, and /ready and /metrics answer for the whole node through the primary.
 */
export async function startNode(cfg: Config, logger: Logger = pino({ level: 'info' }), link?: CoreLink): Promise<MuninnNode> {
  const roles = rolesOf(cfg.target);
  const dataDir = resolve(cfg.common.path_prefix);
  mkdirSync(dataDir, { recursive: true });
  const id = nodeIdOf(dataDir);
  const log = logger.child({ node: id });
  const metrics = createMetrics();
  const nc = await connectBus(cfg.nats.url, id);
  watchConnection(nc, log);
  const running = new Map<Role, RunningRole>();
  const stops: Array<() => Promise<void> | void> = [];
  let registeredAt = 0;
  let beating: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = async (onError: (err: unknown) => void) => {
    for (const s of stops.reverse()) await Promise.resolve(s()).catch(onError);
  };

  /** Why this node is not ready, or undefined when it is. */
  const notReady = (): string | undefined => {
    if (stopping) return 'Not ready: stopping';
    if (Date.now() - registeredAt > MEMBER_TTL_MS) return 'Not ready: this node is not registered in muninn-members (is NATS reachable?)';
    // a started role's reason first: an ingester's replay goes on while later roles start, and says how far it is
    for (const r of running.values()) {
      const why = r.notReady?.();
      if (why) return why;
    }
    const starting = roles.filter((r) => !running.has(r));
    if (starting.length) return `Not ready: waiting for ${starting.join(', ')} to start`;
    return undefined;
  };

  try {
    const members = await Members.open(nc, cfg.nats.replicas);
    stops.push(() => members.close());
    const runtime = new RuntimeConfig(cfg.limits_config, cfg.runtime_config.file, durationMs(cfg.runtime_config.period), log.child({ part: 'runtime-config' }));
    await runtime.start();
    stops.push(() => runtime.stop());
    let distributor: Promise<Distributor> | undefined;
    const parts: NodeParts = {
      cfg,
      id,
      dataDir,
      log,
      metrics,
      nc,
      members,
      runtime,
      storage: storageOf(cfg, dataDir),
      distributor: () => (distributor ??= openDistributor(parts)),
      onStop: (fn) => void stops.push(fn),
    };

    // every process answers /ready, /metrics and /config, from before its roles start (a replay
    // can take a while, and /ready says how far it is)
    const http = new HttpServer({ address: cfg.server.http_listen_address, port: cfg.server.http_listen_port }, metrics);
    const nodeNotReady = link ? () => link.ready() : async () => notReady();
    const metricsText = link ? () => link.metrics() : () => metrics.registry.metrics();
    http.mount(opsRoutes({ notReady: nodeNotReady, metricsText, metrics, configText: () => stringify(cfg), runtimeConfigText: (diff) => runtime.text(diff), version: VERSION }));
    if (link) {
      link.share(metrics.registry);
      const reporting = setInterval(() => link.report(notReady()), REPORT_MS);
      stops.push(() => clearInterval(reporting));
    }
    const port = await http.start();
    stops.push(() => http.stop());

    // registered first, so `muninn status` shows this node (and its replay's lag) while it starts
    const startedAt = Date.now();
    const member = (): Member => ({
      id,
      roles,
      address: `${cfg.server.http_listen_address}:${port}`,
      version: VERSION,
      startedAt,
      status: Object.assign({}, ...[...running.values()].map((r) => r.status?.() ?? {})),
    });
    const beat = async () => {
      await members.heartbeat(member());
      registeredAt = Date.now();
    };
    await whenAnswered(beat);
    // ingesters beat at least three times per lease TTL, so placement never takes a live one for dead
    const every = roles.includes('ingester') ? Math.min(HEARTBEAT_MS, durationMs(cfg.ingester.lease_ttl) / 3) : HEARTBEAT_MS;
    beating = setInterval(() => beat().catch((err) => log.warn({ err }, 'heartbeat failed')), every);

    for (const role of START_ORDER.filter((r) => roles.includes(r))) {
      const r = await roleTable[role](parts);
      running.set(role, r);
      stops.push(() => r.stop());
      if (r.routes) http.mount(r.routes);
    }
    // leaving is the first thing a stop does: other ingesters then place partitions without this
    // one while it hands its own over
    stops.push(async () => {
      clearInterval(beating);
      await members.leave(id);
    });
    log.info({ roles, port }, 'muninn node started');

    return {
      id,
      roles,
      port,
      ready: () => notReady() === undefined,
      stop: () =>
        (stopping ??= (async () => {
          await stopAll((err) => log.error({ err }, 'stopping a role failed'));
          await nc.drain().catch(() => undefined);
          log.info('muninn node stopped');
        })()),
    };
  } catch (err) {
    clearInterval(beating);
    await stopAll(() => undefined);
    await nc.close().catch(() => undefined);
    throw err;
  }
}

/** storage_config with the filesystem store defaulting to <path_prefix>/store. */
function storageOf(cfg: Config, dataDir: string): StorageConfig {
  return { ...cfg.storage_config, filesystem: { directory: cfg.storage_config.filesystem.directory || join(dataDir, 'store') } };
}
