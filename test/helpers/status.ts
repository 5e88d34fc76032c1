// `muninn status --json` run as an operator runs it, for tests that read what it shows.
import { spawn } from 'node:child_process';

/** Its compactor section; `args` are the node's flags (nats.url, path_prefix, storage). */
export async function statusCompactor(args: string[]): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, ['--import=tsx', 'scripts/muninn.ts', 'status', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.on('exit', r));
  return (JSON.parse(out) as { compactor: Record<string, unknown> }).compactor;
}
