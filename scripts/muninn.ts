#!/usr/bin/env -S npx tsx
// The muninn command: `start` runs a node (and a local nats-server when none answers);
// `status` shows the cluster's members.
import { pino } from 'pino';
import { Members, connectBus, natsAnswers } from '../bus/index.ts';
import { loadConfig, type Config } from '../config/index.ts';
import { startNode } from '../actors/node.ts';
import { startLocalNats, type LocalNats } from './nats-server.ts';

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

async function status(args: string[]): Promise<void> {
  const cfg = configFrom(args);
  const nc = await connectBus(cfg.nats.url, 'muninn-status');
  const members = await (await Members.open(nc)).list();
  await nc.close();
  if (!members.length) {
    console.log('no live members');
    return;
  }
  console.log(['ID', 'ROLES', 'ADDRESS', 'VERSION', 'UP', 'STREAMS', 'PARTITIONS', 'REPLAYING', 'LAG', 'UNFLUSHED'].join('\t'));
  for (const m of members) {
    const up = Math.round((Date.now() - m.startedAt) / 1000);
    const parts = Object.values((m.status?.partitions ?? {}) as Record<string, { lag: number; unflushed: number; ready: boolean }>);
    const sum = (f: (p: (typeof parts)[number]) => number) => (parts.length ? String(parts.reduce((n, p) => n + f(p), 0)) : '-');
    console.log(
      [m.id, m.roles.join(','), m.address || '-', m.version, `${up}s`, String(m.status?.streams ?? '-'), parts.length ? String(parts.length) : '-', sum((p) => (p.ready ? 0 : 1)), sum((p) => p.lag), sum((p) => p.unflushed)].join('\t'),
    );
  }
}

const [cmd = 'start', ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<void>> = { start, status };
const run = commands[cmd];
if (!run) {
  console.error(`usage: muninn start [--target=all] [-config.file=FILE] [--key.path=value]\n       muninn status`);
  process.exit(2);
}
run(rest).catch((err) => {
  console.error(`muninn ${cmd}: ${(err as Error).message}`);
  process.exit(1);
});
