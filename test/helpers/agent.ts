// Runs `muninn agent` for a test as a user runs it: a child process with a YAML config written to
// a temp directory, stopped (SIGTERM) or killed at teardown; also reads its metrics and writes
// numbered lines to files.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { stringify } from 'yaml';
import { metricValue, queryRange, waitFor } from './loki.ts';

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
      const m = /metrics and readiness on (http:\/\/[^"\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
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

/** Every line of `job` since `since` (ms), and how many times each was found. */
export async function linesFound(url: string, job: string, since: number, limit: number, tenant?: string): Promise<Map<string, number>> {
  const range = { start: String(BigInt(since) * 1_000_000n), end: String(BigInt(Date.now() + 60_000) * 1_000_000n) };
  const got = await queryRange(url, { query: `{job="${job}"}`, ...range, limit: String(limit), direction: 'forward' }, tenant);
  const seen = new Map<string, number>();
  for (const s of got.result) for (const [, line] of s.values) seen.set(line, (seen.get(line) ?? 0) + 1);
  return seen;
}

/** A config with one NATS client (batches of 64 KiB or 200 ms) tailing `<dir>/logs/*.log` as `job`; `extra` goes into the client. */
export function agentConfig(dir: string, natsUrl: string, job: string, extra: Record<string, unknown> = {}) {
  return {
    positions: { filename: join(dir, 'positions.yaml'), sync_period: '500ms' },
    target_config: { sync_period: '300ms' },
    clients: [{ nats_url: natsUrl, batchwait: '200ms', batchsize: 65536, ...extra }],
    scrape_configs: [{ job_name: job, static_configs: [{ targets: ['localhost'], labels: { job, __path__: join(dir, 'logs', '*.log') } }] }],
  };
}


/** Waits up to `timeoutMs` for every written line to be queryable, then asserts each is found once and nothing else is. */
export async function assertEachOnce(t: ExecutionContext, url: string, job: string, since: number, written: string[], timeoutMs = 30_000, tenant?: string): Promise<void> {
  let seen = new Map<string, number>();
  await waitFor(
    `all ${written.length} lines to be queryable`,
    async () => {
      // room for lines found twice or never written, up to the node's default max_entries_limit_per_query
      seen = await linesFound(url, job, since, Math.max(5000, written.length + 100), tenant);
      return written.every((l) => seen.has(l));
    },
    timeoutMs,
  ).catch((err: Error) => {
    // missing lines are named below; a failing query is the error itself
    if (!err.message.startsWith('timed out')) throw err;
  });
  const missing = written.filter((l) => !seen.has(l));
  const doubled = [...seen].filter(([, n]) => n > 1).map(([l]) => l);
  t.deepEqual(missing.slice(0, 5), [], `${missing.length} of ${written.length} lines missing`);
  t.deepEqual(doubled.slice(0, 5), [], `${doubled.length} lines found twice`);
  t.is(seen.size, written.length, 'no line found that was not written');
}
