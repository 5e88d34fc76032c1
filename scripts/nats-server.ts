// Starts a private nats-server on a random port with its own store directory (tests, bench).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServer {
  url: string;
  storeDir: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startPrivateNats(): Promise<NatsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'muninn-nats-'));
  const storeDir = join(dir, 'store');
  const conf = join(dir, 'nats.conf');
  await writeFile(conf, 'max_payload: 8MB\n');
  const child: ChildProcess = spawn('nats-server', ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', storeDir, '--ports_file_dir', dir, '-c', conf], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  child.on('error', (err) => {
    exited = true;
    stderr += err.message;
  });
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
      if (!exited) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (exited) break;
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
