// Log queries over far more data than a querier may hold: the querier process reads it block by
// block, a few chunks ahead, and its peak resident memory grows by a bounded amount, not with the
// data scanned. The querier runs in a process of its own, so its peak (VmHWM) is its alone.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startNats } from '../../helpers/nats.ts';
import { spawnNode, startTestNode, tempDir } from '../../helpers/node.ts';
import { metricValue, pushJson, queryRange, waitFor } from '../../helpers/loki.ts';

const MB = 1024 * 1024;
const STREAMS = 8;
const LINES = 240_000;
const LINE_BYTES = 1000;
/**
 * What the querier process may grow by while it scans the whole of it three times over: reads a
 * few chunks ahead and a block at a time (26-127 MiB measured over three scans; whole chunks 16 ahead grew it ~150 MiB in one);
 * the rest is garbage the collector has not taken yet.
 */
const BOUND_MB = 200;
const SCANS = 4;

/** Peak resident memory of a process and its threads, MiB. */
const peakMb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

test(`${SCANS} log queries each scanning ${(LINES * LINE_BYTES) / MB | 0} MiB of lines grow the querier by less than ${BOUND_MB} MiB`, async (t) => {
  t.timeout(300_000);
  const nats = await startNats(t);
  const dir = await tempDir(t);
  const shared = { 'storage_config.filesystem.directory': join(dir, 'store') };
  const { url } = await startTestNode(t, nats.url, {
    ...shared,
    target: 'gateway,distributor,ingester,frontend',
    'ingester.chunk_idle_period': '1s',
    'ingester.flush_check_period': '200ms',
    'ingester.chunk_retain_period': '0s',
    'limits_config.ingestion_rate_mb': '100000',
    'limits_config.ingestion_burst_size_mb': '200000',
  });
  const querier = await spawnNode(t, nats.url, join(dir, 'q'), { ...shared, target: 'querier' });

  // lines that compress poorly, so the store holds about as much as was pushed
  const pad = (i: number) => {
    let x = i * 2654435761 + 1;
    let s = '';
    while (s.length < LINE_BYTES - 40) {
      x = (x * 1103515245 + 12345) % 2147483648;
      s += x.toString(36);
    }
    return s.slice(0, LINE_BYTES - 40);
  };
  const t0 = BigInt(Date.now() - 20 * 60_000) * 1_000_000n;
  const perPush = 1000;
  let next = 0;
  const pusher = async () => {
    while (next < LINES) {
      const from = next;
      next += perPush;
      const streams = Array.from({ length: STREAMS }, (_, s) => ({ stream: { app: 'big', s: String(s) }, values: [] as Array<[string, string]> }));
      for (let i = from; i < from + perPush; i++) streams[i % STREAMS].values.push([String(t0 + BigInt(i) * 1_000_000n), `n=${i} ${pad(i)}`]);
      const res = await pushJson(url, { streams });
      if (res.status !== 204) throw new Error(`push ${res.status}: ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, pusher));
  await waitFor('every chunk flushed', async () => (await metricValue(url, 'loki_ingester_memory_streams')) === 0, 120_000);

  const before = peakMb(querier.child.pid!);
  const range = { start: String(t0), end: String(t0 + BigInt(LINES) * 1_000_000n + 1n) };
  let scanned = 0;
  for (let i = 0; i < SCANS; i++) {
    const got = await queryRange(url, { query: `{app="big"} |= "absent-${i}"`, ...range, limit: '10' }, undefined);
    t.deepEqual(got.result, []);
    const store = (got.stats as { querier: { store: { chunk: { decompressedBytes: number; decompressedLines: number } } } }).querier.store;
    // a block that a split's boundary cuts is read by both splits
    t.true(store.chunk.decompressedLines >= LINES, 'every line was read');
    scanned += store.chunk.decompressedBytes;
  }
  const grew = peakMb(querier.child.pid!) - before;
  t.log(`scanned ${(scanned / MB).toFixed(0)} MiB; the querier's peak grew ${grew.toFixed(0)} MiB (${before.toFixed(0)} -> ${(before + grew).toFixed(0)})`);
  t.true(scanned > 4 * BOUND_MB * MB);
  t.true(grew < BOUND_MB, `the querier grew by ${grew.toFixed(0)} MiB`);
});
