// The agent's throughput: a file of LINES pre-written lines of 200 bytes, tailed by `muninn agent`
// into one node over NATS until every line is acknowledged; prints lines/s and the agent's CPU
// seconds per MB of lines (utime + stime from /proc). Usage: tsx scripts/bench-agent.ts [lines]
import { writeFileSync, openSync, writeSync, closeSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startPrivateNats } from './nats-server.ts';
import { sleep, spawnAgent, spawnMuninn, waitReady } from './processes.ts';

const LINES = Number(process.argv[2] ?? 1_000_000);
const LINE_BYTES = 200;
const TICKS = 100; // USER_HZ

const cpuSeconds = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
};

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
}

const dir = mkdtempSync(join(tmpdir(), 'muninn-bench-agent-'));
const nats = await startPrivateNats();
try {
  const node = await spawnMuninn({
    name: 'node',
    target: 'all',
    flags: { 'nats.url': nats.url, 'common.path_prefix': join(dir, 'node'), 'limits_config.ingestion_rate_mb': '100000', 'limits_config.ingestion_burst_size_mb': '200000' },
  });
  await waitReady(node);
  const file = join(dir, 'app.log');
  const fd = openSync(file, 'w');
  const pad = 'x'.repeat(LINE_BYTES);
  for (let i = 0; i < LINES; i += 10_000) {
    let chunk = '';
    for (let j = i; j < Math.min(LINES, i + 10_000); j++) {
      const head = `ts=2024-01-01T00:00:00Z level=info seq=${j} `;
      chunk += head + pad.slice(head.length + 1) + '\n';
    }
    writeSync(fd, chunk);
  }
  closeSync(fd);
  const config = join(dir, 'agent.yaml');
  writeFileSync(
    config,
    stringify({
      server: { http_listen_address: '127.0.0.1', http_listen_port: 0 },
      positions: { filename: join(dir, 'positions.yaml') },
      clients: [{ nats_url: nats.url }],
      scrape_configs: [{ job_name: 'bench', static_configs: [{ targets: ['localhost'], labels: { job: 'bench', __path__: file } }] }],
    }),
  );
  const began = performance.now();
  const agent = await spawnAgent({ name: 'agent', configFile: config });
  while ((await metric(agent.url, 'promtail_sent_entries_total')) < LINES) await sleep(100);
  const secs = (performance.now() - began) / 1000;
  const cpu = cpuSeconds(agent.pid);
  const received = await metric(node.url, 'loki_distributor_lines_received_total');
  if (received !== LINES) throw new Error(`the node received ${received} lines, not ${LINES}`);
  const mb = (LINES * LINE_BYTES) / 1e6;
  console.log(`agent: ${LINES} lines (${mb} MB) over NATS into one node in ${secs.toFixed(1)} s: ${Math.round(LINES / secs)} lines/s; agent CPU ${cpu.toFixed(1)} s, ${(cpu / mb).toFixed(3)} CPU s/MB; node CPU ${cpuSeconds(node.pid).toFixed(1)} s`);
  await agent.stop();
  await node.stop();
} finally {
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
}
