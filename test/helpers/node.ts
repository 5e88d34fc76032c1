// Runs a Muninn node for a test: in this process (startTestNode) or as a child process that a
// test may SIGKILL (spawnNode); data in a temp directory removed at teardown.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { pino } from 'pino';
import { startNode, type MuninnNode } from '../../actors/node.ts';
import { loadConfig } from '../../config/index.ts';

export interface TestNode {
  node: MuninnNode;
  url: string;
  dataDir: string;
}

export async function tempDir(t: ExecutionContext, prefix = 'muninn-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Flags that make a node flush a chunk of every push, in blocks of a few entries: many chunks and blocks from little data. */
export const TINY_CHUNKS = { 'ingester.chunk_target_size': '1', 'ingester.chunk_block_size': '512', 'ingester.flush_check_period': '100ms' };

/** Flags as `muninn start` takes them, e.g. { 'ingester.chunk_idle_period': '1s' }. */
export async function startTestNode(
  t: ExecutionContext,
  natsUrl: string,
  flags: Record<string, string> = {},
  dataDir?: string,
): Promise<TestNode> {
  const dir = dataDir ?? (await tempDir(t));
  const cfg = loadConfig({
    flags: {
      'nats.url': natsUrl,
      'nats.start_local': 'false',
      'common.path_prefix': dir,
      'server.http_listen_port': '0',
      ...flags,
    },
  });
  const node = await startNode(cfg, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  t.teardown(() => node.stop());
  return { node, url: `http://127.0.0.1:${node.port}`, dataDir: dir };
}

export interface ChildNode {
  child: ChildProcess;
  /** SIGKILL to the node and its worker processes at once, as when the machine loses them. */
  kill(): void;
  url: string;
  exited: Promise<number | null>;
  /** Everything the process has logged so far. */
  output(): string;
}

/** `muninn start` in a child process; resolves when its HTTP port (Loki's API, or /ready and /metrics) listens. */
export async function spawnNode(t: ExecutionContext, natsUrl: string, dataDir: string, flags: Record<string, string> = {}): Promise<ChildNode> {
  const args = Object.entries({
    'nats.url': natsUrl,
    'nats.start_local': 'false',
    'common.path_prefix': dataDir,
    'server.http_listen_port': '0',
    ...flags,
  }).map(([k, v]) => `--${k}=${v}`);
  // a process group of its own: the node's workers die with it, before its directory is removed
  const child = spawn(process.execPath, ['--import=tsx', 'scripts/muninn.ts', 'start', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info' },
    detached: true,
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  };
  t.teardown(async () => {
    kill();
    await exited;
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start: ${out.slice(-2000)}`)), 60_000);
    const onData = () => {
      const m = /(?:Loki API|metrics and readiness) on (http:\/\/[^"\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.on('exit', () => reject(new Error(`node exited: ${out.slice(-2000)}`)));
  });
  return { child, kill, url, exited, output: () => out };
}

/**
 * The read path's shape in the tests: one node in this process with the gateway,
 * distributor, ingester and frontend, and two querier processes pulling its work queue, all over
 * one store; `flags` go to all three.
 */
export async function frontendWithTwoQueriers(t: ExecutionContext, natsUrl: string, flags: Record<string, string> = {}): Promise<TestNode> {
  const dir = await tempDir(t);
  const shared = { 'storage_config.filesystem.directory': join(dir, 'store'), ...flags };
  const node = await startTestNode(t, natsUrl, { ...shared, target: 'gateway,distributor,ingester,frontend' });
  await Promise.all(['q1', 'q2'].map((q) => spawnNode(t, natsUrl, join(dir, q), { ...shared, target: 'querier' })));
  return node;
}
