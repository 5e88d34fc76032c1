#!/usr/bin/env -S npx tsx
// The muninn command: `start` runs a node (and a local nats-server when none answers);
// `status` shows the cluster's state (status.ts).
import { pino } from 'pino';
import { natsAnswers } from '../bus/index.ts';
import { loadConfig, type Config } from '../config/index.ts';
import { startNode } from '../actors/node.ts';
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

function configFrom(args: string[]): Config {
  const flags = parseFlags(args);
  const file = flags['config.file'];
  delete flags['config.file'];
  return loadConfig({ file, flags, env: process.env });
}

async function start(args: string[]): Promise<void> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const cfg = configFrom(args);
  let nats: LocalNats | undefined;
  if (!(await natsAnswers(cfg.nats.url))) {
    if (!cfg.nats.start_local) throw new Error(`no NATS answers at ${cfg.nats.url}`);
    logger.info({ url: cfg.nats.url }, 'no NATS answers; starting a local nats-server');
    nats = await startLocalNats(cfg.nats.url, cfg.nats.config_file, cfg.common.path_prefix, (msg) => logger.warn(msg));
  }
  const node = await startNode(cfg, logger).catch(async (err) => {
    await nats?.stop();
    throw err;
  });
  const http = `http://${cfg.server.http_listen_address}:${node.port}`;
  logger.info(node.roles.includes('gateway') ? `Loki API on ${http}` : `metrics and readiness on ${http}`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await node.stop();
    await nats?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

const [cmd = 'start', ...rest] = process.argv.slice(2);
/** A command resolves with its exit code, or with nothing when it keeps running (start). */
const commands: Record<string, (args: string[]) => Promise<number | void>> = {
  start,
  status: (args) => status(args, configFrom),
};
const run = commands[cmd];
if (!run) {
  console.error(`usage: muninn start [--target=all] [-config.file=FILE] [--key.path=value]\n       muninn status [--json] [--watch] [--max-lag=N] [-config.file=FILE] [--key.path=value]`);
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
