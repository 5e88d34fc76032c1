// npm run bench: push throughput through a whole node beside the raw JetStream publish rate of
// the same bytes, LogQL MB/s beside a Buffer.indexOf scan, each measured in the same run, and a
// cluster of processes (bench-cluster.ts; BENCH_CLUSTER=0 leaves it out); prints tables and
// writes bench-results/*.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, RetentionPolicy, StorageType } from 'nats';
import { pino } from 'pino';
import { startNode } from '../actors/node.ts';
import { loadConfig } from '../config/index.ts';
import { msToNs } from '../model/time.ts';
import { benchCluster } from './bench-cluster.ts';
import { benchLogql } from './bench-logql.ts';
import { LINES_PER_PUSH, pushBody } from './bench-push.ts';
import { startPrivateNats } from './nats-server.ts';

const PUSHES = Number(process.env.BENCH_PUSHES ?? 200);
const CONCURRENCY = 8;

interface Row {
  name: string;
  seconds: number;
  lines: number;
  bytes: number;
}

const rate = (r: Row) => ({ ...r, linesPerSec: Math.round(r.lines / r.seconds), mbPerSec: +(r.bytes / r.seconds / 1e6).toFixed(1) });

async function pool(n: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) await work(next++);
  }));
}

async function rawJetStream(url: string, bodies: Buffer[]): Promise<Row> {
  const nc = await connect({ servers: url });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: 'BENCH_RAW', subjects: ['bench.raw.*'], storage: StorageType.File, retention: RetentionPolicy.Limits });
  const js = nc.jetstream();
  const began = performance.now();
  await pool(bodies.length, async (i) => {
    await js.publish(`bench.raw.${i % 32}`, bodies[i], { msgID: `m${i}` });
  });
  const seconds = (performance.now() - began) / 1000;
  await jsm.streams.delete('BENCH_RAW');
  await nc.close();
  return { name: 'raw JetStream publish (same bytes, acked)', seconds, lines: bodies.length * LINES_PER_PUSH, bytes: bodies.reduce((n, b) => n + b.length, 0) };
}

async function muninnPush(url: string, bodies: Array<{ json: string; lineBytes: number }>): Promise<Row> {
  const began = performance.now();
  await pool(bodies.length, async (i) => {
    const res = await fetch(`${url}/loki/api/v1/push`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: bodies[i].json });
    if (res.status !== 204) throw new Error(`push failed: ${res.status} ${await res.text()}`);
  });
  const seconds = (performance.now() - began) / 1000;
  return { name: 'Muninn HTTP push (JSON, 204 = durable)', seconds, lines: bodies.length * LINES_PER_PUSH, bytes: bodies.reduce((n, b) => n + b.json.length, 0) };
}

async function main() {
  const nats = await startPrivateNats();
  const dataDir = await mkdtemp(join(tmpdir(), 'muninn-bench-'));
  try {
    const t0 = msToNs(Date.now());
    const bodies = Array.from({ length: PUSHES }, (_, p) => pushBody(p, t0));
    const raw = await rawJetStream(nats.url, bodies.map((b) => Buffer.from(b.json)));
    const cfg = loadConfig({ flags: { 'nats.url': nats.url, 'nats.start_local': 'false', 'common.path_prefix': dataDir, 'server.http_listen_port': '0', 'limits_config.ingestion_rate_mb': '0' } });
    const node = await startNode(cfg, pino({ level: 'warn' }));
    const push = await muninnPush(`http://127.0.0.1:${node.port}`, bodies);
    await node.stop();

    const rows = [raw, push].map(rate);
    console.log('\npush throughput (%d pushes of %d lines, %d concurrent)\n', PUSHES, LINES_PER_PUSH, CONCURRENCY);
    console.log(['what', 'lines/s', 'MB/s', 'vs raw'].join('\t'));
    for (const r of rows) console.log([r.name, r.linesPerSec, r.mbPerSec, (r.mbPerSec / rows[0].mbPerSec).toFixed(2)].join('\t'));

    const logql = await benchLogql(Number(process.env.BENCH_LOGQL_MB ?? 256) << 20);
    console.log('\nLogQL over an in-memory corpus of logfmt and JSON lines (MB/s of line bytes)\n');
    console.log(['query', 'MB/s', 'indexOf MB/s', 'ratio'].join('\t'));
    for (const r of logql) console.log([r.query, r.mbPerSec, r.baselineMbPerSec, r.ratio].join('\t'));

    const cluster = process.env.BENCH_CLUSTER === '0' ? undefined : await benchCluster();

    mkdirSync('bench-results', { recursive: true });
    const file = join('bench-results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ when: new Date().toISOString(), push: rows, logql, cluster }, null, 2));
    console.log(`\nwritten to ${file}`);
  } finally {
    await nats.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
