// Starts a private nats-server for one test file: a random port, its own store directory,
// stopped and deleted in teardown even when the test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';

export interface NatsServer {
  url: string;
  storeDir: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startNats(t?: ExecutionContext): Promise<NatsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'muninn-nats-'));
  const storeDir = join(dir, 'store');
  const conf = join(dir, 'nats.conf');
  await writeFile(conf, 'max_payload: 8MB\n');
  const child: ChildProcess = spawn(
    'nats-server',
    ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', storeDir, '--ports_file_dir', dir, '-c', conf],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
      if (!exited) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  t?.teardown(stop);
  for (let i = 0; i < 100; i++) {
    if (exited) throw new Error(`nats-server exited early: ${stderr}`);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.ports'));
    if (files.length) {
      const ports = JSON.parse(await readFile(join(dir, files[0]), 'utf8')) as { nats: string[] };
      return { url: ports.nats[0], storeDir, stop };
    }
    await sleep(50);
  }
  await stop();
  throw new Error(`nats-server did not start: ${stderr}`);
}
