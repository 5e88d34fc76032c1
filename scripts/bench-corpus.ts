// The query part of `npm run bench`: the node the sustained push filled is topped up to a corpus
// of BENCH_CORPUS_LINES lines, stopped with flush_on_shutdown and started again over the same
// data, then asked the queries of the side-by-side table with Loki (three runs each, the median).
// Beside each, the baseline: one core scanning the same number of line bytes with Buffer.indexOf.
import { benchCodec, type CodecFigures } from './bench-codec.ts';
import { tree } from './bench-sustained.ts';
import { line, startPusher } from './bench-push.ts';
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

/** The read path over the corpus: what Grafana asks of it, and what a scan costs a querier in memory. */
export interface ReadPathFigures {
  /** A 24h `sum by (level) (count_over_time(... [5m]))`: its first run (results cache empty) and the next (every piece cached). */
  coldSeconds: number;
  warmSeconds: number;
  warmHits: number;
  warmLookups: number;
  /** `/index/volume_range` over the same 24h. */
  volumeSeconds: number;
  /** A `|= "needle"` query whose one match is its stream's newest line: what it fetched and decompressed (a block is 256 KiB of lines). */
  needleSeconds: number;
  needleFetchedBytes: number;
  needleDecompressedBytes: number;
  /** Growth of the node's peak resident memory (all its processes) over the full-scan row, and the line bytes that scan read. */
  scanPeakGrowthMiB: number;
  scanBytes: number;
}

export interface CorpusFigures {
  readPath: ReadPathFigures;
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
async function query(url: string, path: string, params: Record<string, string>, cached = false): Promise<{ seconds: number; answer: number; stats: Stats }> {
  const began = performance.now();
  const res = await fetch(`${url}/loki/api/v1/${path}?${new URLSearchParams(params)}`, { headers: cached ? {} : { 'Cache-Control': 'no-cache' } });
  const body = (await res.json()) as { data?: { resultType: string; result: Array<{ values?: Array<[unknown, string]>; value?: [unknown, string] }>; stats?: Stats } };
  const seconds = (performance.now() - began) / 1000;
  if (res.status !== 200 || !body.data) throw new Error(`${params.query}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  const answer =
    body.data.resultType === 'streams'
      ? body.data.result.reduce((n, s) => n + s.values!.length, 0)
      : body.data.result.reduce((n, s) => n + (s.values ?? [s.value!]).reduce((m, [, v]) => m + Number(v), 0), 0);
  return { seconds, answer, stats: body.data.stats ?? ({} as Stats) };
}

/** The parts of Loki's stats object the read-path figures use. */
interface Stats {
  querier?: { store: { chunk: { compressedBytes: number; decompressedBytes: number } } };
  cache?: { result: { entriesFound: number; entriesRequested: number } };
}

/** Peak resident memory of a process and every process under it, MiB (Linux). */
function peakRssMiB(pid: number): number {
  let kb = 0;
  for (const p of tree(pid))
    try {
      kb += Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  return kb / 1024;
}

/** The label set of the stream the needle goes to: one of the pusher's streams. */
const NEEDLE_STREAM = '{"job":"bench","pod":"pod-0"}';

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
    lines += r.stored.lines;
    lineBytes += r.stored.lineBytes;
  }
  // one line that no other holds, the newest of its stream: the needle the read path looks for
  const needle = `needle-${Date.now().toString(36)}`;
  const needleLine = `level=info msg="${needle}"`;
  const pushed = await fetch(`${o.node.url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: `{"streams":[{"stream":${NEEDLE_STREAM},"values":[["${BigInt(Date.now()) * 1_000_000n}",${JSON.stringify(needleLine)}]]}]}`,
  });
  if (pushed.status !== 204) throw new Error(`the needle's push: ${pushed.status}`);
  lines += 1;
  lineBytes += needleLine.length;
  const endMs = Date.now() + 1000;
  // a clean stop flushes every open chunk; the node then answers from the store alone
  await o.node.stop(300_000);
  // the corpus is complete: its newest minutes may be cached (the default keeps the last 10m out)
  const node = await spawnMuninn({ name: 'node', target: 'all', flags: { ...o.flags, 'limits_config.max_cache_freshness_per_query': '0s' } });
  try {
    return { node, figures: await askAll(node, o, lines, lineBytes, endMs, needle) };
  } catch (err) {
    await node.stop();
    throw err;
  }
}

/** The table's queries, three runs each, over the node started again on the flushed corpus. */
async function askAll(node: MuninnProcess, o: CorpusOptions, lines: number, lineBytes: number, endMs: number, needle: string): Promise<CorpusFigures> {
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
  let scanPeakGrowthMiB = 0;
  for (const [name, path, params] of queries) {
    const runs = [];
    const peakBefore = peakRssMiB(node.pid);
    for (let r = 0; r < RUNS; r++) runs.push(await query(node.url, path, params));
    if (name === 'full scan') scanPeakGrowthMiB = Math.round(peakRssMiB(node.pid) - peakBefore);
    runs.sort((a, b) => a.seconds - b.seconds);
    const median = runs[Math.floor(RUNS / 2)];
    rows.push({ query: path === 'query_range' ? params.query : `${path} ${params.query}`, seconds: +median.seconds.toFixed(2), indexOfSeconds, ratio: +(indexOfSeconds / median.seconds).toFixed(2), answer: median.answer });
  }
  const readPath = await readPathOf(node.url, { start: last24h, end }, needle, lineBytes, scanPeakGrowthMiB);
  const store = join(o.flags['common.path_prefix'], 'store');
  const storedBytes = dirBytes(store);
  return { readPath, lines, lineBytes, rangeSeconds: Math.round((endMs - o.startedMs) / 1000), storedBytes, compression: +(lineBytes / storedBytes).toFixed(2), codec: benchCodec(store), rows };
}

/**
 * Grafana's view of a day over the corpus: the level histogram cold and then from the results
 * cache, the log volume, and a needle in the newest block of its stream (which the query must find
 * by reading that block, not the chunk).
 */
async function readPathOf(url: string, day: { start: string; end: string }, needle: string, scanBytes: number, scanPeakGrowthMiB: number): Promise<ReadPathFigures> {
  // a one-minute step, as Grafana draws a day; a piece reaching past now is never cached, so the
  // read path waits for the minute the corpus ends in to pass: then the next run is all cache
  const levels = { query: 'sum by (level) (count_over_time({job="bench"} | logfmt | __error__="" [5m]))', ...day, step: '60' };
  const lastStepMs = Math.ceil(Number(BigInt(day.end) / 1_000_000n) / 60_000) * 60_000;
  await sleep(Math.max(0, lastStepMs + 1000 - Date.now()));
  const cold = await query(url, 'query_range', levels, true);
  const warm = await query(url, 'query_range', levels, true);
  if (warm.answer !== cold.answer) throw new Error(`the cached answer differs: ${warm.answer} vs ${cold.answer}`);
  const volume = await query(url, 'index/volume_range', { query: '{job="bench"}', ...day, step: '300' });
  const pod = JSON.parse(NEEDLE_STREAM) as Record<string, string>;
  const selector = `{${Object.entries(pod).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
  const found = await query(url, 'query_range', { query: `${selector} |= "${needle}"`, ...day, limit: '1' });
  if (found.answer !== 1) throw new Error(`the needle was found ${found.answer} times`);
  const store = found.stats.querier!.store.chunk;
  return {
    coldSeconds: +cold.seconds.toFixed(3),
    warmSeconds: +warm.seconds.toFixed(3),
    warmHits: warm.stats.cache?.result.entriesFound ?? 0,
    warmLookups: warm.stats.cache?.result.entriesRequested ?? 0,
    volumeSeconds: +volume.seconds.toFixed(3),
    needleSeconds: +found.seconds.toFixed(3),
    needleFetchedBytes: store.compressedBytes,
    needleDecompressedBytes: store.decompressedBytes,
    scanPeakGrowthMiB,
    scanBytes,
  };
}
