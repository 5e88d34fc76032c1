#!/usr/bin/env -S npx tsx --initial-old-space-size=256
// The muninn command: `start` runs a node (and a local nats-server when none answers);
// `status` shows the cluster's state (status.ts); `agent` tails files into Muninn (actors/agent/).
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { pino, type Logger } from 'pino';
import { natsAnswers } from '../bus/index.ts';
import { loadConfig, type Config } from '../config/index.ts';
import { Primary } from '../actors/cores/primary.ts';
import { WORKERS_ENV, WORKER_ENV, linkToPrimary, workerConfig } from '../actors/cores/worker.ts';
import { startNode, type MuninnNode } from '../actors/node.ts';
import { Agent } from '../actors/agent/agent.ts';
import { loadAgentConfig } from '../actors/agent/config.ts';
import { startLocalNats, type LocalNats } from './nats-server.ts';
import { status } from './status.ts';

/** `--a.b=c`, `-config.file=x`, `--target all` → { 'a.b': 'c', ... } */
function parseFlags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(args[i]);
    if (!m) throw new Error(`unexpected argument ${args[i]}`);
    out[m[1]] = m[2] ?? (args[i + 1] && !args[i + 1].startsWith('-') ? args[++i] : 'true');
  }
  return out;
}

/** The flags, less -config.file, and that file. */
function fileAndFlags(args: string[]): { file: string | undefined; flags: Record<string, string> } {
  const flags = parseFlags(args);
  const file = flags['config.file'];
  delete flags['config.file'];
  return { file, flags };
}

function configFrom(args: string[]): Config {
  const { file, flags } = fileAndFlags(args);
  return loadConfig({ file, flags, env: process.env });
}

/** The agent: promtail's job, tailing files into Muninn over NATS (or HTTP) until stopped. */
async function agent(args: string[]): Promise<void> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const { file, flags } = fileAndFlags(args);
  const a = await Agent.start(loadAgentConfig(file, flags), logger);
  onSignals(logger, () => a.stop());
}

/** server.workers: 0 is one per core for --target=all, one for any other target. */
const workersOf = (cfg: Config) => cfg.server.workers || (cfg.target.split(',').map((t) => t.trim()).includes('all') ? availableParallelism() : 1);

async function start(args: string[]): Promise<void> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const cfg = configFrom(args);
  if (cluster.isWorker) return startWorker(cfg, logger.child({ worker: Number(process.env[WORKER_ENV]) }));
  let nats: LocalNats | undefined;
  if (!(await natsAnswers(cfg.nats.url))) {
    if (!cfg.nats.start_local) throw new Error(`no NATS answers at ${cfg.nats.url}`);
    logger.info({ url: cfg.nats.url }, 'no NATS answers; starting a local nats-server');
    // in a process group of its own: a Ctrl-C (or a SIGTERM to muninn's group) reaches only the
    // node, which flushes, writes its checkpoints and releases its leases over NATS, then stops it
    nats = await startLocalNats(cfg.nats.url, cfg.nats.config_file, cfg.common.path_prefix, (msg) => logger.warn(msg), { detached: true });
  }
  const workers = workersOf(cfg);
  if (workers > 1) {
    const primary = new Primary(workers, logger);
    primary.start();
    onSignals(logger, async () => {
      await primary.stop();
      await nats?.stop();
    });
    return;
  }
  const node = await startNode(cfg, logger).catch(async (err) => {
    await nats?.stop();
    throw err;
  });
  announce(cfg, node, logger);
  onSignals(logger, async () => {
    await node.stop();
    await nats?.stop();
  });
}

/** One of a node's processes: the node's roles on a directory of its own, stopped by the primary. */
async function startWorker(nodeCfg: Config, logger: Logger): Promise<void> {
  const cfg = workerConfig(nodeCfg, Number(process.env[WORKER_ENV]), Number(process.env[WORKERS_ENV]));
  const link = linkToPrimary();
  const node = await startNode(cfg, logger, link);
  announce(cfg, node, logger);
  const stop = onSignals(logger, () => node.stop());
  link.onStop(() => void stop('the primary process'));
}

function announce(cfg: Config, node: MuninnNode, logger: Logger): void {
  const http = `http://${cfg.server.http_listen_address}:${node.port}`;
  logger.info(node.roles.includes('gateway') ? `Loki API on ${http}` : `metrics and readiness on ${http}`);
}

/** Stops once on SIGINT or SIGTERM (or when the returned function is called), then exits. */
function onSignals(logger: Logger, stop: () => Promise<void>): (why: string) => Promise<void> {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  return shutdown;
}

const [cmd = 'start', ...rest] = process.argv.slice(2);
/** A command resolves with its exit code, or with nothing when it keeps running (start). */
const commands: Record<string, (args: string[]) => Promise<number | void>> = {
  start,
  status: (args) => status(args, configFrom),
  agent,
};
const run = commands[cmd];
if (!run) {
  console.error(`usage: muninn start [--target=all] [-config.file=FILE] [--key.path=value]\n       muninn status [--json] [--watch] [--max-lag=N] [-config.file=FILE] [--key.path=value]\n       muninn agent -config.file=FILE [--key.path=value]`);
  process.exit(2);
}
run(rest).then(
  (code) => {
    if (typeof code === 'number') process.exit(code);
  },
  (err) => {
    console.error(`muninn ${cmd}: ${(err as Error).message}`);
    process.exit(1);
  },
);
