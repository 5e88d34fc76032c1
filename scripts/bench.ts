// npm run bench, each part beside a baseline measured in the same run: the raw JetStream publish
// rate (the ceiling of any push); a sustained push into `muninn start` in one process and in one
// per core, beside it (bench-sustained.ts); the side-by-side table's queries over a flushed
// corpus of ten million lines, beside an indexOf scan of the same bytes (bench-corpus.ts); the
// LogQL engine alone (bench-logql.ts); and a cluster of processes (bench-cluster.ts;
// BENCH_CLUSTER=0 leaves it out). Prints tables and writes bench-results/*.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { connect, RetentionPolicy, StorageType } from 'nats';
import { msToNs } from '../model/time.ts';
import { benchCluster } from './bench-cluster.ts';
import { benchCorpus } from './bench-corpus.ts';
import { benchLogql } from './bench-logql.ts';
import { LINES_PER_PUSH, pushBody } from './bench-push.ts';
import { sustainedPush } from './bench-sustained.ts';
import { startPrivateNats } from './nats-server.ts';

const PUSHES = Number(process.env.BENCH_PUSHES ?? 200);
const CONCURRENCY = 8;
const STREAMS = 100;
/** How long each sustained push lasts. */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
/** Lines of the corpus the queries run over (10,000,000: about 2 GB of lines). */
const CORPUS_LINES = Number(process.env.BENCH_CORPUS_LINES ?? 10_000_000);

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

async function main() {
  const nats = await startPrivateNats();
  try {
    const t0 = msToNs(Date.now());
    const bodies = Array.from({ length: PUSHES }, (_, p) => pushBody(p, t0));
    const raw = rate(await rawJetStream(nats.url, bodies.map((b) => Buffer.from(b.json))));
    console.log('\nraw JetStream publish, the ceiling of any push (%d bodies of %d lines, %d in flight, acked): %d lines/s, %d MB/s', PUSHES, LINES_PER_PUSH, CONCURRENCY, raw.linesPerSec, raw.mbPerSec);

    // `muninn start` as a user runs it: in one process, then one per core
    const sustained = [];
    const one = await sustainedPush({ nats, seconds: SECONDS, inFlight: CONCURRENCY, streams: STREAMS, flags: { 'server.workers': '1' }, name: 'muninn start, one process' });
    await one.node.stop();
    await rm(one.flags['common.path_prefix'], { recursive: true, force: true });
    sustained.push(one.row);
    const all = await sustainedPush({ nats, seconds: SECONDS, inFlight: CONCURRENCY, streams: STREAMS, flags: { 'server.workers': '0' }, name: `muninn start, one process per core (${availableParallelism()})` });
    sustained.push(all.row);
    console.log(`\nsustained push (${SECONDS} s, ${CONCURRENCY} pushes of ${LINES_PER_PUSH} lines in flight, ${STREAMS} streams, JSON bodies; then until the ingesters have read everything)\n`);
    console.log(['what', 'lines/s', 'MB/s', 'p99 ms', 'failed', 'Muninn cores', 'lines/s per core', 'nats-server cores', 'RSS MiB', 'catch-up s', 'vs raw JetStream'].join('\t'));
    for (const r of sustained)
      console.log([r.name, r.linesPerSec, r.mbPerSec, r.p99Ms, r.failures, r.muninnCores, r.linesPerCore, r.natsCores, r.rssMiB, r.catchUpSeconds, (r.mbPerSec / raw.mbPerSec).toFixed(2)].join('\t'));

    const corpus = await benchCorpus({
      node: all.node,
      flags: all.flags,
      pushed: all.row.stored.lines,
      lineBytes: all.row.stored.lineBytes,
      startedMs: Math.round(Date.now() - (all.row.seconds + all.row.catchUpSeconds) * 1000),
      targetLines: CORPUS_LINES,
      inFlight: CONCURRENCY,
      streams: STREAMS,
    });
    await corpus.node.stop();
    await rm(all.flags['common.path_prefix'], { recursive: true, force: true });
    const c = corpus.figures;
    console.log(`\nqueries over a flushed corpus of ${c.lines} lines (${(c.lineBytes / 1e9).toFixed(2)} GB of lines over ${c.rangeSeconds} s, stored in ${(c.storedBytes / 1e6).toFixed(0)} MB: ${c.compression}x), median of 3; baseline: one core indexOf-scanning the same bytes\n`);
    console.log(['query', 'seconds', 'indexOf s', 'ratio', 'answer'].join('\t'));
    for (const r of c.rows) console.log([r.query, r.seconds, r.indexOfSeconds, r.ratio, r.answer].join('\t'));
    const rp = c.readPath;
    console.log(`\nread path over the corpus, a 24h range: sum by (level) (count_over_time(... | logfmt [5m])) ${rp.coldSeconds} s cold, ${rp.warmSeconds} s from the results cache (${rp.warmHits} of ${rp.warmLookups} pieces); /index/volume_range ${rp.volumeSeconds} s; a needle in its stream's newest block found in ${rp.needleSeconds} s, fetching ${rp.needleFetchedBytes} bytes and decompressing ${rp.needleDecompressedBytes}; a full scan of ${(rp.scanBytes / 1e9).toFixed(2)} GB grew the node's peak RSS by ${rp.scanPeakGrowthMiB} MiB`);
    const k = c.codec;
    console.log(`\nchunks (codec ${k.codec}), ${k.chunks} read on one core: ${k.ratio}x line bytes per stored byte, decoded at ${k.decodeMBps} MB/s of lines; baseline, the same lines as gzip: ${k.gzipRatio}x, ${k.gunzipMBps} MB/s`);

    const logql = await benchLogql(Number(process.env.BENCH_LOGQL_MB ?? 256) << 20);
    console.log('\nLogQL engine alone, over an in-memory corpus of logfmt and JSON lines (MB/s of line bytes)\n');
    console.log(['query', 'MB/s', 'indexOf MB/s', 'ratio'].join('\t'));
    for (const r of logql) console.log([r.query, r.mbPerSec, r.baselineMbPerSec, r.ratio].join('\t'));

    const cluster = process.env.BENCH_CLUSTER === '0' ? undefined : await benchCluster();

    mkdirSync('bench-results', { recursive: true });
    const file = join('bench-results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ when: new Date().toISOString(), raw, sustained, corpus: c, logql, cluster }, null, 2));
    console.log(`\nwritten to ${file}`);
  } finally {
    await nats.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
