// Muninn processes as children of a script (the demo, the bench): `muninn start --target=…` with
// its flags (or `muninn agent`), started once its HTTP port listens, ready once /ready says so, its output kept (the
// last 64 KiB, and all of it in a log file when asked), stopped with SIGTERM and then SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root, whatever directory the script runs in. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MUNINN = join(ROOT, 'scripts', 'muninn.ts');
/** tsx as a file URL: `--import=tsx` would be looked up from the child's working directory. */
const TSX = import.meta.resolve('tsx');
const TAIL_BYTES = 64 * 1024;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * V8 starts marking the old generation whenever its headroom is under a young generation's
 * worth, and a node's old generation is small (its lines live in buffers outside it): with V8's
 * default initial size it marked and compacted eight times a second under a sustained push, a
 * fifth of the node's CPU; from 256 MiB, once a second. The same flag is in package.json's
 * scripts and the muninn command's first line.
 */
const NODE_FLAGS = ['--initial-old-space-size=256'];

/** `node --import=tsx scripts/muninn.ts <args>`, runnable from any directory. */
export const muninnCommand = (args: string[]): [string, string[]] => [process.execPath, [...NODE_FLAGS, `--import=${TSX}`, MUNINN, ...args]];

export interface SpawnOptions {
  name: string;
  target: string;
  /** Flags as `muninn start` takes them; common.path_prefix is required (node-id is read from it). */
  flags: Record<string, string> & { 'common.path_prefix': string };
  /** Where to append everything the process prints. */
  logFile?: string;
  /** In a process group of its own, so a terminal's Ctrl-C reaches only the script that stops it. */
  detached?: boolean;
  startTimeoutMs?: number;
}

export interface MuninnProcess {
  name: string;
  target: string;
  pid: number;
  /** Its HTTP address (Loki's API, or /ready and /metrics). */
  url: string;
  /** Its member id (the node-id file in its directory; its first worker's when it runs several). */
  id: string;
  child: ChildProcess;
  /** Resolves with a description of how it ended: `exit code 0`, `signal SIGKILL`. */
  exited: Promise<string>;
  alive(): boolean;
  /** What it has printed lately. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export class StartError extends Error {
  override name = 'StartError';
  constructor(
    readonly process: string,
    msg: string,
    readonly output: string,
  ) {
    super(`${process} ${msg}`);
  }
}

/** Starts the process; resolves when its HTTP port listens, fails with its output if it exits or hangs first. */
export async function spawnMuninn(o: SpawnOptions): Promise<MuninnProcess> {
  const flags = { 'nats.start_local': 'false', 'server.http_listen_port': '0', ...o.flags, target: o.target };
  const p = await spawnListening(o.name, ['start', ...Object.entries(flags).map(([k, v]) => `--${k}=${v}`)], o);
  // a node of several processes names its first worker
  const dir = o.flags['common.path_prefix'];
  const id = (await readFile(join(dir, 'node-id'), 'utf8').catch(() => readFile(join(dir, 'workers', '0', 'node-id'), 'utf8'))).trim();
  return { ...p, target: o.target, id };
}

/** A muninn child process that serves HTTP: a node (MuninnProcess adds its roles and id) or an agent. */
export type ListeningProcess = Omit<MuninnProcess, 'target' | 'id'>;

/** `muninn agent -config.file=<configFile>` with its flags; resolves when its HTTP port listens. */
export function spawnAgent(o: { name: string; configFile: string; flags?: Record<string, string>; logFile?: string; detached?: boolean }): Promise<ListeningProcess> {
  const flags = Object.entries(o.flags ?? {}).map(([k, v]) => `--${k}=${v}`);
  return spawnListening(o.name, ['agent', `-config.file=${o.configFile}`, ...flags], o);
}

async function spawnListening(name: string, muninnArgs: string[], o: { logFile?: string; detached?: boolean; startTimeoutMs?: number }): Promise<ListeningProcess> {
  const [cmd, args] = muninnCommand(muninnArgs);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: o.detached, env: { LOG_LEVEL: 'info', ...process.env } });
  let tail = '';
  let file: ReturnType<typeof createWriteStream> | undefined;
  if (o.logFile) {
    mkdirSync(dirname(o.logFile), { recursive: true });
    file = createWriteStream(o.logFile, { flags: 'a' });
  }
  const onData = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-TAIL_BYTES);
    file?.write(d);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<string>((r) => {
    child.on('exit', (code, signal) => r(signal ? `signal ${signal}` : `exit code ${code}`));
    child.on('error', (err) => r(`failed to run: ${err.message}`));
  }).then((how) => {
    file?.end();
    return how;
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const stop = async (graceMs = 15_000) => {
    if (!alive()) return void (await exited);
    child.kill('SIGTERM');
    const killer = setTimeout(() => alive() && child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(killer);
  };

  const timeoutMs = o.startTimeoutMs ?? 60_000;
  let url: string | undefined;
  for (const until = Date.now() + timeoutMs; !url; await sleep(50)) {
    url = /(?:Loki API|metrics and readiness) on (http:\/\/[^"\s]+)/.exec(tail)?.[1];
    if (url) break;
    if (!alive()) throw new StartError(name, `ended before it listened (${await exited})`, tail);
    if (Date.now() > until) {
      await stop(2000);
      throw new StartError(name, `did not listen within ${timeoutMs / 1000} s`, tail);
    }
  }
  return { name, pid: child.pid!, url, child, exited, alive, output: () => tail, stop };
}

/** Polls /ready until it answers 200; fails with its last answer, or at once if the process ends. */
export async function waitReady(p: ListeningProcess, timeoutMs = 120_000): Promise<void> {
  let last = 'no answer';
  for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(250)) {
    if (!p.alive()) throw new StartError(p.name, `ended before it was ready (${await p.exited})`, p.output());
    try {
      const res = await fetch(`${p.url}/ready`, { signal: AbortSignal.timeout(2000) });
      last = `${res.status} ${(await res.text()).trim()}`;
      if (res.status === 200) return;
    } catch (err) {
      last = (err as Error).message;
    }
  }
  throw new StartError(p.name, `was not ready within ${timeoutMs / 1000} s (/ready: ${last})`, p.output());
}
