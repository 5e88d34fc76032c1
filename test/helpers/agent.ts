// Runs `muninn agent` for a test as a user runs it: a child process with a YAML config written to
// a temp directory, stopped (SIGTERM) or killed at teardown; also reads its metrics and writes
// numbered lines to files.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { stringify } from 'yaml';
import { metricValue } from './loki.ts';

export interface ChildAgent {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output(): string;
  /** SIGTERM: it drains and saves its positions, as a service manager stops it. */
  stop(): Promise<number | null>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/** Writes `config` as YAML in `dir` and starts the agent on it; resolves once its HTTP port answers ready. */
export async function spawnAgent(t: ExecutionContext, dir: string, config: unknown, name = 'agent.yaml'): Promise<ChildAgent> {
  const file = join(dir, name);
  await writeFile(file, stringify(config));
  const child = spawn(process.execPath, ['--import=tsx', 'scripts/muninn.ts', 'agent', `-config.file=${file}`, '--server.http_listen_port=0', '--server.http_listen_address=127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info' },
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start: ${out.slice(-2000)}`)), 30_000);
    child.stdout!.on('data', () => {
      const m = /metrics and readiness on port (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
    child.on('exit', () => reject(new Error(`agent exited: ${out.slice(-2000)}`)));
  });
  return {
    child,
    url,
    exited,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    metric: (name, labels) => metricValue(url, name, labels),
  };
}

/** Appends lines `<tag> seq=<n> <padding>` for n in [from, to), each unique, about `bytes` long. */
export async function writeLines(path: string, tag: string, from: number, to: number, bytes = 100): Promise<string[]> {
  const lines: string[] = [];
  for (let n = from; n < to; n++) {
    const head = `${tag} seq=${n} `;
    lines.push(head + 'x'.repeat(Math.max(0, bytes - head.length)));
  }
  if (lines.length) await appendFile(path, lines.join('\n') + '\n');
  return lines;
}
