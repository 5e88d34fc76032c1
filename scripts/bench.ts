// npm run bench: push throughput through a whole node beside the raw JetStream publish rate of
// the same bytes, and LogQL MB/s beside a Buffer.indexOf scan, each measured in the same run;
// prints tables and writes bench-results/*.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, RetentionPolicy, StorageType } from 'nats';
import { pino } from 'pino';
import { startNode } from '../actors/node.ts';
import { loadConfig } from '../config/index.ts';
import { msToNs } from '../model/time.ts';
import { benchLogql } from './bench-logql.ts';
import { startPrivateNats } from './nats-server.ts';

const LINES_PER_PUSH = 1000;
const STREAMS_PER_PUSH = 10;
const PUSHES = Number(process.env.BENCH_PUSHES ?? 200);
const CONCURRENCY = 8;

interface Row {
  name: string;
  seconds: number;
  lines: number;
  bytes: number;
}

const rate = (r: Row) => ({ ...r, linesPerSec: Math.round(r.lines / r.seconds), mbPerSec: +(r.bytes / r.seconds / 1e6).toFixed(1) });

/** A realistic-looking logfmt line of about 200 bytes. */
function line(i: number): string {
  return `ts=2026-11-25T10:00:00.${String(i % 1000).padStart(3, '0')}Z level=${i % 10 ? 'info' : 'error'} caller=handler.go:${100 + (i % 50)} msg="request done" method=GET path=/api/v1/items/${i} status=${i % 17 ? 200 : 500} duration=${(i % 900) + 3}ms bytes=${(i * 7919) % 100000} trace_id=${(i * 2654435761 >>> 0).toString(16)}`;
}

function pushBody(p: number, t0: bigint): { json: string; lineBytes: number } {
  const streams = [];
  let lineBytes = 0;
  for (let s = 0; s < STREAMS_PER_PUSH; s++) {
    const values: Array<[string, string]> = [];
    for (let k = 0; k < LINES_PER_PUSH / STREAMS_PER_PUSH; k++) {
      const i = p * LINES_PER_PUSH + s * 100 + k;
      const l = line(i);
      lineBytes += Buffer.byteLength(l);
      values.push([String(t0 + BigInt(i)), l]);
    }
    streams.push({ stream: { job: 'bench', pod: `pod-${s}` }, values });
  }
  return { json: JSON.stringify({ streams }), lineBytes };
}

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

    mkdirSync('bench-results', { recursive: true });
    const file = join('bench-results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ when: new Date().toISOString(), push: rows, logql }, null, 2));
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
