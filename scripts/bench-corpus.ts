// The query part of `npm run bench`: the node the sustained push filled is topped up to a corpus
// of BENCH_CORPUS_LINES lines, stopped with flush_on_shutdown and started again over the same
// data, then asked the queries of the side-by-side table with Loki (three runs each, the median).
// Beside each, the baseline: one core scanning the same number of line bytes with Buffer.indexOf.
import { benchCodec, type CodecFigures } from './bench-codec.ts';
import { line, startPusher } from './bench-push.ts';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, spawnMuninn, waitReady, type MuninnProcess, type SpawnOptions } from './processes.ts';

export interface CorpusRow {
  query: string;
  /** Median seconds of three runs. */
  seconds: number;
  /** Seconds one core takes to indexOf-scan the corpus's line bytes. */
  indexOfSeconds: number;
  ratio: number;
  /** What the answer held: entries of a log query, or the sum of a metric query's values. */
  answer: number;
}

export interface CorpusFigures {
  lines: number;
  lineBytes: number;
  rangeSeconds: number;
  /** Bytes the store holds (chunks and index) and the ratio of line bytes to them. */
  storedBytes: number;
  compression: number;
  codec: CodecFigures;
  rows: CorpusRow[];
}

const RUNS = 3;
const SCAN_BUFFER_BYTES = 64 << 20;

/** Line bytes one core scans with Buffer.indexOf per second, on the bench's lines. */
function indexOfBytesPerSec(): number {
  const parts: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < SCAN_BUFFER_BYTES; i++) {
    const l = line(i);
    parts.push(l);
    bytes += l.length + 1;
  }
  const buf = Buffer.from(parts.join('\n'));
  const needle = Buffer.from('absent');
  const began = performance.now();
  for (let r = 0; r < 4; r++) if (buf.indexOf(needle) !== -1) throw new Error('the needle is in the corpus');
  return (4 * buf.length) / ((performance.now() - began) / 1000);
}

/** A query computed afresh (not from the results cache): the bench times the read path. */
async function query(url: string, path: string, params: Record<string, string>): Promise<{ seconds: number; answer: number }> {
  const began = performance.now();
  const res = await fetch(`${url}/loki/api/v1/${path}?${new URLSearchParams(params)}`, { headers: { 'Cache-Control': 'no-cache' } });
  const body = (await res.json()) as { data?: { resultType: string; result: Array<{ values?: Array<[unknown, string]>; value?: [unknown, string] }> } };
  const seconds = (performance.now() - began) / 1000;
  if (res.status !== 200 || !body.data) throw new Error(`${params.query}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  const answer =
    body.data.resultType === 'streams'
      ? body.data.result.reduce((n, s) => n + s.values!.length, 0)
      : body.data.result.reduce((n, s) => n + (s.values ?? [s.value!]).reduce((m, [, v]) => m + Number(v), 0), 0);
  return { seconds, answer };
}

export interface CorpusOptions {
  node: MuninnProcess;
  /** The node's flags, to start it again over the same directory. */
  flags: SpawnOptions['flags'];
  /** Lines already pushed, and when the first was. */
  pushed: number;
  lineBytes: number;
  startedMs: number;
  targetLines: number;
  inFlight: number;
  streams: number;
}

/** Bytes of the files under a directory. */
function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

export async function benchCorpus(o: CorpusOptions): Promise<{ figures: CorpusFigures; node: MuninnProcess }> {
  let lines = o.pushed;
  let lineBytes = o.lineBytes;
  if (lines < o.targetLines) {
    const pusher = startPusher({ url: o.node.url, inFlight: o.inFlight, streams: o.streams });
    while (lines + pusher.lines() < o.targetLines) await sleep(500);
    const r = await pusher.stop();
    lines += r.lines;
    lineBytes += r.lineBytes;
  }
  const endMs = Date.now() + 1000;
  // a clean stop flushes every open chunk; the node then answers from the store alone
  await o.node.stop(300_000);
  const node = await spawnMuninn({ name: 'node', target: 'all', flags: o.flags });
  try {
    return { node, figures: await askAll(node, o, lines, lineBytes, endMs) };
  } catch (err) {
    await node.stop();
    throw err;
  }
}

/** The table's queries, three runs each, over the node started again on the flushed corpus. */
async function askAll(node: MuninnProcess, o: CorpusOptions, lines: number, lineBytes: number, endMs: number): Promise<CorpusFigures> {
  await waitReady(node);

  const start = String(BigInt(o.startedMs - 60_000) * 1_000_000n);
  const end = String(BigInt(endMs) * 1_000_000n);
  const last3m = String(BigInt(endMs - 180_000) * 1_000_000n);
  const last24h = String(BigInt(endMs - 86_400_000) * 1_000_000n);
  const perSec = indexOfBytesPerSec();
  const indexOfSeconds = +(lineBytes / perSec).toFixed(2);
  const queries: Array<[string, string, Record<string, string>]> = [
    ['log query, limit 100', 'query_range', { query: '{job="bench"} |~ "status=5.."', start: last3m, end, limit: '100' }],
    ['full scan', 'query_range', { query: '{job="bench"} |= "absent"', start, end, limit: '100' }],
    ['count, literal', 'query_range', { query: 'sum(count_over_time({job="bench"} |= "status=500" [1m]))', start, end, step: '60s' }],
    ['count, regexp', 'query_range', { query: 'sum(count_over_time({job="bench"} |~ "status=5.." [1m]))', start, end, step: '60s' }],
    ['count, logfmt', 'query_range', { query: 'sum by (level) (count_over_time({job="bench"} | logfmt | __error__="" [1m]))', start, end, step: '60s' }],
    ['count, json', 'query_range', { query: 'sum(count_over_time({job="bench"} | json | level="error" [1m]))', start, end, step: '60s' }],
    ['count, no filter', 'query_range', { query: 'sum(count_over_time({job="bench"} [1m]))', start, end, step: '60s' }],
    // Grafana's log-volume histogram over a day: from the index alone, its answer the corpus's line bytes
    ['log volume, 24h', 'index/volume_range', { query: '{job="bench"}', start: last24h, end, step: '60s' }],
  ];
  const rows: CorpusRow[] = [];
  for (const [, path, params] of queries) {
    const runs = [];
    for (let r = 0; r < RUNS; r++) runs.push(await query(node.url, path, params));
    runs.sort((a, b) => a.seconds - b.seconds);
    const median = runs[Math.floor(RUNS / 2)];
    rows.push({ query: path === 'query_range' ? params.query : `${path} ${params.query}`, seconds: +median.seconds.toFixed(2), indexOfSeconds, ratio: +(indexOfSeconds / median.seconds).toFixed(2), answer: median.answer });
  }
  const store = join(o.flags['common.path_prefix'], 'store');
  const storedBytes = dirBytes(store);
  return { lines, lineBytes, rangeSeconds: Math.round((endMs - o.startedMs) / 1000), storedBytes, compression: +(lineBytes / storedBytes).toFixed(2), codec: benchCodec(store), rows };
}
