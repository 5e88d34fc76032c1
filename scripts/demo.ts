// npm run demo: a local cluster in one terminal — a nats-server from nats.conf, and one process
// per role group (gateway+distributor+frontend, an ingester, two queriers) — plus a little
// traffic, so `muninn status` and Grafana have something to show. Ctrl-C stops it all.
import { spawn, type ChildProcess } from 'node:child_process';
import { loadConfig } from '../config/index.ts';
import { natsAnswers } from '../bus/index.ts';
import { msToNs } from '../model/time.ts';
import { startLocalNats } from './nats-server.ts';

const cfg = loadConfig({ env: process.env });
const groups: Array<[string, Record<string, string>]> = [
  ['ingester', { 'common.path_prefix': './data/demo/ingester', 'server.http_listen_port': '3101' }],
  ['querier', { 'common.path_prefix': './data/demo/querier-1', 'server.http_listen_port': '3102' }],
  ['querier', { 'common.path_prefix': './data/demo/querier-2', 'server.http_listen_port': '3103' }],
  ['gateway,distributor,frontend', { 'common.path_prefix': './data/demo/gateway', 'server.http_listen_port': '3100' }],
];

async function main() {
  const nats = (await natsAnswers(cfg.nats.url)) ? undefined : await startLocalNats(cfg.nats.url, cfg.nats.config_file, cfg.common.path_prefix);
  const children: ChildProcess[] = [];
  for (const [target, flags] of groups) {
    // one filesystem store shared by all: it stands for the object store a real cluster shares
    const shared = { 'nats.url': cfg.nats.url, 'storage_config.filesystem.directory': './data/demo/store', ...flags };
    const args = ['--import=tsx', 'scripts/muninn.ts', 'start', `--target=${target}`, ...Object.entries(shared).map(([k, v]) => `--${k}=${v}`)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    children.push(child);
  }
  console.log('demo cluster starting: Loki API on http://127.0.0.1:3100; `npm run muninn -- status` shows the members');
  const traffic = setInterval(() => {
    const ns = String(msToNs(Date.now()));
    const body = { streams: [{ stream: { job: 'demo', level: Math.random() < 0.1 ? 'error' : 'info' }, values: [[ns, `demo line at ${new Date().toISOString()}`]] }] };
    fetch('http://127.0.0.1:3100/loki/api/v1/push', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).catch(() => undefined);
  }, 1000);
  const stop = async () => {
    clearInterval(traffic);
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r)))));
    await nats?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
