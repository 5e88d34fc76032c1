// Starts nats-server processes: the local one a single node runs when nothing answers at its
// NATS URL (restarted if it dies, as a supervisor would), and private ones for tests and the
// bench (a random port and store of their own, which a test may kill and start again).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { connect } from 'nats';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { natsAnswers } from '../bus/index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  stderr: () => string;
}

/** The fatal errors at the end of a nats-server log file. */
async function fatalLines(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.includes('[FTL]')).slice(-3).join('\n');
}

/** Spawns nats-server with `args` and resolves once `url` answers; fails with its stderr if it exits first. */
async function launch(args: string[], url: string, cwd?: string, detached = false): Promise<Running> {
  const child = spawn('nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'], cwd, detached });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let done = false;
  const exited = new Promise<void>((r) => {
    child.on('exit', () => r());
    child.on('error', (err) => {
      stderr += `\n${err.message}`;
      r();
    });
  }).then(() => {
    done = true;
  });
  for (let i = 0; i < 150 && !done; i++) {
    if (await natsAnswers(url, 200)) return { child, exited, stderr: () => stderr };
    await sleep(100);
  }
  child.kill('SIGKILL');
  // with -l the server says why in its log file, not on stderr
  const log = args.indexOf('-l');
  const why = stderr.trim() || (log >= 0 ? await fatalLines(resolve(cwd ?? '.', args[log + 1])) : '');
  throw new Error(`could not start nats-server (is it installed? run: apt-get install nats-server): ${why}`);
}

async function terminate(r: Running): Promise<void> {
  if (r.child.exitCode !== null || r.child.signalCode !== null) return;
  r.child.kill('SIGTERM');
  const killed = setTimeout(() => r.child.kill('SIGKILL'), 5000);
  await r.exited;
  clearTimeout(killed);
}

const hostPort = (url: string) => new URL(url.split(',')[0].replace(/^nats:/, 'http:'));

export interface LocalNats {
  /** The running server's process id (a new one after a restart). */
  pid(): number | undefined;
  stop(): Promise<void>;
}

export interface LocalNatsOptions {
  /** More nats-server flags, e.g. ['-m', '-1'] for a monitoring port of its choosing. */
  args?: string[];
  /** Where it runs, so the config's relative store_dir lands there (default: this process's cwd). */
  cwd?: string;
  /** In a process group of its own, so a terminal's Ctrl-C reaches only whoever stops it in order. */
  detached?: boolean;
}

/**
 * The single node's nats-server, from `configFile` (nats.conf keeps its store under ./data/nats,
 * relative to where muninn runs). If it dies it is started again over the same store, so the
 * node's connections find it back.
 */
export async function startLocalNats(
  url: string,
  configFile: string,
  dataDir: string,
  log: (msg: string) => void = () => undefined,
  opts: LocalNatsOptions = {},
): Promise<LocalNats> {
  const u = hostPort(url);
  mkdirSync(dataDir, { recursive: true });
  const args = ['-c', resolve(configFile), '-a', u.hostname, '-p', u.port || '4222', '-l', resolve(dataDir, 'nats-server.log'), ...(opts.args ?? [])];
  const cwd = opts.cwd ?? process.cwd();
  const start = () => launch(args, url, cwd, opts.detached);
  let current = await start();
  let stopping = false;
  const watch = (r: Running): void => {
    void r.exited.then(async () => {
      if (stopping) return;
      log(`nats-server exited (${r.child.signalCode ?? r.child.exitCode}); starting it again`);
      for (;;) {
        await sleep(1000);
        if (stopping) return;
        try {
          current = await start();
          log('nats-server is running again');
          return watch(current);
        } catch (err) {
          log(`nats-server did not start again: ${(err as Error).message}`);
        }
      }
    });
  };
  watch(current);
  return {
    pid: () => current.child.pid,
    stop: async () => {
      stopping = true;
      await terminate(current);
    },
  };
}

export interface NatsServer {
  url: string;
  storeDir: string;
  /** The server's process id (for SIGSTOP and the like). */
  pid(): number;
  /** SIGKILL, as a crash: the store stays for `restart`. */
  kill(): Promise<void>;
  /** Starts the server again on the same port over the same store. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A nats-server on a free port of 127.0.0.1 with its own store, deleted by stop(). */
export async function startPrivateNats(): Promise<NatsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'muninn-nats-'));
  const storeDir = join(dir, 'store');
  const conf = join(dir, 'nats.conf');
  await writeFile(conf, 'max_payload: 8MB\n');
  // a port another process takes between our probe and the server's bind: try another
  let url = '';
  let args: string[] = [];
  let current: Running | undefined;
  for (let attempt = 0; !current; attempt++) {
    const port = await freePort();
    url = `nats://127.0.0.1:${port}`;
    args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, '-c', conf];
    try {
      current = await launch(args, url);
    } catch (err) {
      if (attempt >= 2) throw err;
    }
  }
  return {
    url,
    storeDir,
    pid: () => current!.child.pid!,
    kill: async () => {
      current!.child.kill('SIGKILL');
      await current!.exited;
    },
    restart: async () => {
      current = await launch(args, url);
    },
    stop: async () => {
      await terminate(current!);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on right now (the kernel's pick, released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface NatsCluster {
  /** The servers' URLs, comma-separated, as nats.url takes them. */
  url: string;
  servers: NatsServer[];
  stop(): Promise<void>;
}

/**
 * Three (or `size`) JetStream servers routed to each other on 127.0.0.1, each with its own store;
 * resolves once they have elected their JetStream leader, or (`electing`) as soon as they listen.
 */
export async function startPrivateNatsCluster(size = 3, o: { electing?: boolean } = {}): Promise<NatsCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'muninn-nats-cluster-'));
  const conf = join(dir, 'nats.conf');
  await writeFile(conf, 'max_payload: 8MB\n');
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const argsOf = (i: number) => [
    '-a', '127.0.0.1', '-p', String(ports[i]), '-n', `n${i + 1}`, '-js', '-sd', join(dir, `n${i + 1}`), '-c', conf,
    '--cluster_name', 'muninn', '--cluster', `nats://127.0.0.1:${routePorts[i]}`,
    '--routes', routePorts.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`).join(','),
  ];
  const servers = await Promise.all(
    ports.map(async (port, i) => {
      const url = `nats://127.0.0.1:${port}`;
      let current = await launch(argsOf(i), url);
      const server: NatsServer = {
        url,
        storeDir: join(dir, `n${i + 1}`),
        pid: () => current.child.pid!,
        kill: async () => {
          current.child.kill('SIGKILL');
          await current.exited;
        },
        restart: async () => {
          current = await launch(argsOf(i), url);
        },
        stop: () => terminate(current),
      };
      return server;
    }),
  );
  const url = servers.map((s) => s.url).join(',');
  if (!o.electing) await untilJetStream(url);
  return {
    url,
    servers,
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the cluster has elected its JetStream meta leader (it answers account info). */
export async function untilJetStream(url: string): Promise<void> {
  const nc = await connect({ servers: url.split(','), timeout: 2000 });
  try {
    for (let i = 0; i < 150; i++) {
      const up = await nc
        .jetstreamManager({ timeout: 2000 })
        .then((jsm) => jsm.getAccountInfo())
        .then(() => true, () => false);
      if (up) return;
      await sleep(200);
    }
    throw new Error('the NATS cluster elected no JetStream leader');
  } finally {
    await nc.close();
  }
}
