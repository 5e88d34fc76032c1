// Starts the local nats-server a single node uses when nothing answers at NATS_URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { natsAnswers } from '../bus/index.ts';

export interface LocalNats {
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startLocalNats(url: string, configFile: string, dataDir: string): Promise<LocalNats> {
  const u = new URL(url.split(',')[0].replace(/^nats:/, 'http:'));
  mkdirSync(dataDir, { recursive: true });
  // nats.conf keeps its store under ./data/nats, relative to where muninn runs
  const child: ChildProcess = spawn(
    'nats-server',
    ['-c', resolve(configFile), '-a', u.hostname, '-p', u.port || '4222', '-l', join(dataDir, 'nats-server.log')],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: process.cwd() },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  let exited = false;
  child.on('exit', () => (exited = true));
  child.on('error', (err) => {
    exited = true;
    stderr += `\n${err.message}`;
  });
  for (let i = 0; i < 100 && !exited; i++) {
    if (await natsAnswers(url, 200)) {
      return {
        stop: async () => {
          if (exited) return;
          child.kill('SIGTERM');
          for (let j = 0; j < 100 && !exited; j++) await sleep(50);
          if (!exited) child.kill('SIGKILL');
        },
      };
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`could not start nats-server (is it installed? run: apt-get install nats-server): ${stderr.trim()}`);
}
