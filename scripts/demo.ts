// npm run demo: a small cluster on this machine, one process per role group — a gateway (with the
// distributor and frontend), two ingesters sharing the partitions by lease, two queriers — on a
// nats-server it starts from nats.conf when none answers (or, with --nats-cluster, the three
// servers of config/nats-cluster/), with steady traffic written to log files that a Muninn agent
// (`muninn agent`, promtail's job over NATS) tails, so Grafana and `muninn status` have something to show. Ctrl-C or SIGTERM stops everything it started, nats-servers last.
//
// Ports: MUNINN_DEMO_PORT (3100) for the gateway, the next four for the others; NATS_URL for the
// single nats-server, MUNINN_DEMO_NATS_HTTP_PORT for its monitoring port (nats.conf's 8222 unless
// set; -1: any free one). Data under ./data/demo of the directory it runs in.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { natsAnswers } from '../bus/index.ts';
import { loadConfig } from '../config/index.ts';
import { msToNs } from '../model/time.ts';
import { startLocalNats, untilJetStream, type LocalNats } from './nats-server.ts';
import { stringify } from 'yaml';
import { ROOT, StartError, muninnCommand, sleep, spawnAgent, spawnMuninn, waitReady, type ListeningProcess, type MuninnProcess } from './processes.ts';

const GRACE_MS = 15_000;
const base = Number(process.env.MUNINN_DEMO_PORT ?? 3100);
const natsCluster = process.argv.includes('--nats-cluster');
const dir = resolve('data', 'demo');
const show = (p: string) => relative(process.cwd(), p) || '.';

const roles = [
  { name: 'gateway', target: 'gateway,distributor,frontend,compactor', port: base },
  { name: 'ingester-1', target: 'ingester', port: base + 1 },
  { name: 'ingester-2', target: 'ingester', port: base + 2 },
  { name: 'querier-1', target: 'querier', port: base + 3 },
  { name: 'querier-2', target: 'querier', port: base + 4 },
];
/** The agent's /metrics and /ready, after the nodes' ports. */
const agentPort = base + 5;

const natsServers: Array<{ name: string; url: string; server: LocalNats }> = [];
const starting: Array<Promise<ListeningProcess | undefined>> = [];
let traffic: NodeJS.Timeout | undefined;
let stopping = false;

/** Every process it started: Muninn's first (SIGTERM, SIGKILL after 15 s), then the nats-servers. */
async function stopAll(code: number): Promise<never> {
  if (stopping) return new Promise<never>(() => undefined);
  stopping = true;
  clearInterval(traffic);
  const procs = (await Promise.allSettled(starting)).flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
  const live = procs.filter((p) => p.alive());
  if (live.length) console.log(`stopping ${live.map((p) => p.name).join(', ')}`);
  await Promise.all(procs.map((p) => p.stop(GRACE_MS)));
  if (natsServers.length) console.log(`stopping ${natsServers.map((n) => n.name).join(', ')}`);
  await Promise.all(natsServers.map((n) => n.server.stop()));
  console.log('demo stopped');
  process.exit(code);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((r) => {
    const srv = createServer();
    srv.once('error', () => r(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => r(true)));
  });
}

/** The NATS URL(s) Muninn connects to, starting the servers nobody runs yet. */
async function startNats(): Promise<{ url: string; replicas: number }> {
  const say = (msg: string) => console.log(`  ${msg}`);
  if (!natsCluster) {
    const url = loadConfig({ env: process.env }).nats.url;
    if (await natsAnswers(url)) {
      say(`nats-server    already running at ${url}; using it`);
      return { url, replicas: 1 };
    }
    // nats.conf's store_dir is relative: run it in the demo's directory, away from npm start's store
    const home = join(dir, 'nats');
    const http = process.env.MUNINN_DEMO_NATS_HTTP_PORT;
    const server = await startLocalNats(url, join(ROOT, 'nats.conf'), home, say, { cwd: home, detached: true, args: http ? ['-m', http] : [] });
    natsServers.push({ name: 'nats-server', url, server });
    say(`nats-server    pid ${server.pid()}  ${url}  (nats.conf; store and log in ${show(home)})`);
    return { url, replicas: 1 };
  }
  const urls: string[] = [];
  for (const n of ['n1', 'n2', 'n3']) {
    const conf = join(ROOT, 'config', 'nats-cluster', `${n}.conf`);
    const listen = /^listen:\s*(\S+)/m.exec(readFileSync(conf, 'utf8'))?.[1];
    if (!listen) throw new Error(`${conf} has no listen line`);
    const url = `nats://${listen}`;
    urls.push(url);
    if (await natsAnswers(url)) {
      say(`nats-server ${n} already running at ${url}; using it`);
      continue;
    }
    // from the project's root, as the configs' store_dir (./data/nats-cluster/nI) expects
    const server = await startLocalNats(url, conf, join(dir, `nats-${n}`), say, { cwd: ROOT, detached: true });
    natsServers.push({ name: `nats-server ${n}`, url, server });
    say(`nats-server ${n} pid ${server.pid()}  ${url}  (config/nats-cluster/${n}.conf; log in ${show(join(dir, `nats-${n}`))})`);
  }
  await untilJetStream(urls.join(','));
  return { url: urls.join(','), replicas: 3 };
}

/** A few log files, a few lines a second each, some of them level=error: the agent's to read. */
function startTraffic(logs: string): NodeJS.Timeout {
  const apps = ['api', 'worker', 'web'];
  const msgs = { info: 'request done', warn: 'slow request', error: 'request failed' };
  mkdirSync(logs, { recursive: true });
  let n = 0;
  return setInterval(() => {
    for (const app of apps) {
      const r = Math.random();
      const level = r < 0.1 ? 'error' : r < 0.25 ? 'warn' : 'info';
      const status = level === 'error' ? 500 : 200;
      const line = `ts=${new Date().toISOString()} level=${level} app=${app} msg="${msgs[level]}" path=/api/items/${n++ % 97} status=${status} duration=${Math.round(5 + Math.random() * (level === 'info' ? 80 : 900))}ms`;
      appendFileSync(join(logs, `${app}.log`), `${line}\n`);
    }
  }, 500);
}

/** The agent's config: the demo's log files as {job="demo", app}, the time from each line, pushed over NATS. */
function agentConfigFile(natsUrl: string, logs: string, port: number): string {
  const file = join(dir, 'agent', 'agent.yaml');
  mkdirSync(dirname(file), { recursive: true });
  const config = {
    server: { http_listen_address: '127.0.0.1', http_listen_port: port },
    positions: { filename: join(dir, 'agent', 'positions.yaml') },
    clients: [{ nats_url: natsUrl, tenant_id: 'fake' }],
    target_config: { sync_period: '2s' },
    scrape_configs: [
      {
        job_name: 'demo',
        static_configs: [{ targets: ['localhost'], labels: { job: 'demo', __path__: join(logs, '*.log') } }],
        pipeline_stages: [{ logfmt: { mapping: { app: '', ts: '' } } }, { labels: { app: '' } }, { timestamp: { source: 'ts', format: 'RFC3339Nano' } }],
      },
    ],
  };
  writeFileSync(file, stringify(config));
  return file;
}

/** `muninn status` once, as the operator would run it; resolves with what it printed. */
function statusTable(flags: string[]): Promise<string> {
  const [cmd, args] = muninnCommand(['status', ...flags]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((r) => child.on('exit', () => r(out.trimEnd())));
}

async function main() {
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  const busy = [];
  for (const port of [...roles.map((r) => r.port), agentPort]) if (!(await portFree(port))) busy.push(port);
  if (busy.length) {
    console.error(`muninn demo: port${busy.length > 1 ? 's' : ''} ${busy.join(', ')} already in use (another demo, or npm start?); stop it or set MUNINN_DEMO_PORT`);
    process.exit(1);
  }

  console.log(`muninn demo: a small cluster on this machine, data in ${show(dir)}`);
  const nats = await startNats();
  // one directory stands for the object store all processes share (S3 in a real cluster)
  const store = join(dir, 'store');
  const shared = { 'nats.url': nats.url, 'nats.replicas': String(nats.replicas), 'storage_config.filesystem.directory': store };
  const began = Date.now();
  for (const r of roles) {
    const home = join(dir, r.name);
    const flags = { ...shared, 'common.path_prefix': home, 'server.http_listen_port': String(r.port), ...(r.target === 'querier' ? { 'querier.worker_threads': '1' } : {}) };
    starting.push(
      spawnMuninn({ name: r.name, target: r.target, flags, logFile: join(home, 'muninn.log'), detached: true }).then((p) => {
        console.log(`  ${r.name.padEnd(14)} pid ${p.pid}  ${p.url}  ${p.id}  ${r.target}  (log ${show(join(home, 'muninn.log'))})`);
        return p;
      }),
    );
  }
  const procs = await Promise.all(starting);
  console.log('waiting for every process to answer /ready ...');
  await Promise.all(procs.map((p) => waitReady(p!)));
  for (const p of procs)
    void p!.exited.then((how) => {
      if (!stopping) console.log(`\n${p!.name} (pid ${p!.pid}) ended: ${how}; the rest go on (its log: ${show(join(dir, p!.name, 'muninn.log'))})`);
    });
  const gateway = procs[0]!.url;
  const logs = join(dir, 'logs');
  traffic = startTraffic(logs);
  const agentHome = join(dir, 'agent');
  const agent = spawnAgent({ name: 'agent', configFile: agentConfigFile(nats.url, logs, agentPort), logFile: join(agentHome, 'agent.log'), detached: true });
  starting.push(agent);
  const a = await agent;
  console.log(`  ${'agent'.padEnd(14)} pid ${a.pid}  ${a.url}  tails ${show(logs)}/*.log  (config and log in ${show(agentHome)})`);
  await waitReady(a);
  console.log(`all ready in ${((Date.now() - began) / 1000).toFixed(1)} s; the agent sends demo traffic over NATS: {job="demo"}, 3 streams, 6 lines/s, some level=error`);
  await sleep(3000);

  const statusFlags = [`--nats.url=${nats.url}`, `--nats.replicas=${nats.replicas}`, `--storage_config.filesystem.directory=${show(store)}`];
  const table = await statusTable(statusFlags);
  if (stopping) return;
  console.log(`\nGrafana: add a data source of type Loki with URL ${gateway}`);
  console.log(`  then in Explore try  {job="demo"} |= "level=error"   or   sum by (app) (count_over_time({job="demo"} |= "level=error" [1m]))\n`);
  console.log(table);
  console.log(`\n\`npm run muninn -- status --watch ${statusFlags.join(' ')}\` shows it live; Ctrl-C stops the demo.`);
}

main().catch(async (err) => {
  if (err instanceof StartError) {
    console.error(`\nmuninn demo: ${err.message}. Its output:\n${err.output.slice(-4000)}`);
  } else console.error(`\nmuninn demo: ${(err as Error).stack ?? err}`);
  await stopAll(1);
});
