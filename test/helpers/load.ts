// A steady push load for durability tests: workers push 1000-line batches as fast as acks come
// back, each line carrying a unique id, and record which ids were acknowledged; then every
// stream is read back and each acknowledged id must appear exactly once.
import type { ExecutionContext } from 'ava';
import { queryRange } from './loki.ts';

/** Limits raised as the bench raises them, so a load runs at full speed and reads back in one query per stream. */
export const unlimited = {
  'limits_config.ingestion_rate_mb': '100000',
  'limits_config.ingestion_burst_size_mb': '200000',
  'limits_config.max_entries_limit_per_query': '1000000',
};

export interface LoadOptions {
  /** Where to push; read again before every request, so a restarted node's new URL is used. */
  url: () => string;
  job: string;
  streams?: number;
  /** Lines per stream in one push (10 streams per 1000-line push by default). */
  streamLines?: number;
  batchLines?: number;
  concurrency?: number;
  /** Bytes per line, padded (200 as the bench's lines). */
  lineBytes?: number;
  /** Pause between pushes of one worker, ms (0: as fast as acks come back). */
  pauseMs?: number;
}

export interface Load {
  /** Acknowledged ids per stream. */
  readonly acked: Map<string, number[]>;
  ackedLines(): number;
  /** Ids of pushes sent but answered with an error or no answer (they may or may not be stored). */
  readonly unsure: Set<number>;
  /** Push latencies (ms) of acknowledged pushes, in order. */
  readonly latencies: number[];
  /** HTTP statuses of refused pushes. */
  readonly refusals: Map<number | string, number>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the load; it stops at the test's teardown if the test did not stop it (a failed test must not hang the run). */
export function startLoad(t: ExecutionContext, o: LoadOptions): Load {
  const streams = o.streams ?? 100;
  const streamLines = o.streamLines ?? 100;
  const batchLines = o.batchLines ?? 1000;
  const concurrency = o.concurrency ?? 8;
  const lineBytes = o.lineBytes ?? 200;
  const perPush = Math.max(1, Math.floor(batchLines / streamLines));
  const acked = new Map<string, number[]>();
  const unsure = new Set<number>();
  const latencies: number[] = [];
  const refusals = new Map<number | string, number>();
  let nextId = 1;
  let running = true;
  let ackedCount = 0;
  // each worker owns streams w, w + concurrency, ... so one stream's pushes never race
  const owned = (w: number) => Array.from({ length: streams }, (_, i) => i).filter((i) => i % concurrency === w);
  const ts0 = BigInt(Date.now() - 60_000) * 1_000_000n;
  const worker = async (w: number) => {
    const mine = owned(w);
    let turn = 0;
    while (running) {
      const picked = Array.from({ length: Math.min(perPush, mine.length) }, () => mine[turn++ % mine.length]);
      const ids: Array<[string, number[]]> = [];
      const body = {
        streams: picked.map((s) => {
          const values: Array<[string, string]> = [];
          const got: number[] = [];
          for (let k = 0; k < streamLines; k++) {
            const id = nextId++;
            got.push(id);
            const head = `id=${id} stream=s${s} level=info msg="steady load" pad=`;
            values.push([String(ts0 + BigInt(id)), head + 'x'.repeat(Math.max(0, lineBytes - head.length))]);
          }
          ids.push([`s${s}`, got]);
          return { stream: { job: o.job, stream: `s${s}` }, values };
        }),
      };
      const began = performance.now();
      try {
        const res = await fetch(`${o.url()}/loki/api/v1/push`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
        await res.arrayBuffer();
        if (res.status === 204) {
          latencies.push(performance.now() - began);
          for (const [s, got] of ids) {
            const list = acked.get(s) ?? [];
            list.push(...got);
            acked.set(s, list);
            ackedCount += got.length;
          }
        } else {
          refusals.set(res.status, (refusals.get(res.status) ?? 0) + 1);
          for (const [, got] of ids) for (const id of got) unsure.add(id);
        }
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code ?? 'error';
        refusals.set(code, (refusals.get(code) ?? 0) + 1);
        for (const [, got] of ids) for (const id of got) unsure.add(id);
        await sleep(100); // the node is down: try again, as a client would
      }
      if (o.pauseMs) await sleep(o.pauseMs);
    }
  };
  const workers = Array.from({ length: concurrency }, (_, w) => worker(w));
  const stop = async () => {
    running = false;
    await Promise.all(workers);
  };
  t.teardown(stop);
  return {
    acked,
    unsure,
    latencies,
    refusals,
    ackedLines: () => ackedCount,
    stop,
  };
}

export interface ReadBack {
  lost: number[];
  doubled: number[];
  /** Lines returned in all. */
  returned: number;
  /** The queries' warnings (partitions no ingester answered for), each once. */
  warnings: string[];
}

/**
 * Reads every stream of the load back (one query each, a few at a time) and compares with what was
 * acknowledged. Ingesters read the log a little behind the acks (much more right after a NATS
 * outage or a hand-over, and queries then warn of it), so a read that misses lines is tried again
 * for `settleMs`, and at least once: one pass over many streams can itself take that long.
 */
export async function readBack(url: string, load: Load, job: string, settleMs = 30_000): Promise<ReadBack> {
  const until = Date.now() + settleMs;
  for (let pass = 1; ; pass++) {
    const got = await readOnce(url, load, job);
    if ((got.lost.length === 0 && got.doubled.length === 0) || (pass > 1 && Date.now() > until)) return got;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Streams read back at once. */
const READ_CONCURRENCY = 4;

async function readOnce(url: string, load: Load, job: string): Promise<ReadBack> {
  const lost: number[] = [];
  const doubled: number[] = [];
  const warnings = new Set<string>();
  let returned = 0;
  const now = BigInt(Date.now()) * 1_000_000n;
  const readStream = async (stream: string, ids: number[]) => {
    const got = await queryRange(url, {
      query: `{job="${job}", stream="${stream}"}`,
      start: String(now - 3_600_000_000_000n),
      end: String(now + 60_000_000_000n),
      limit: String(ids.length + load.unsure.size + 1000),
      direction: 'forward',
    });
    for (const w of got.warnings ?? []) warnings.add(w);
    const seen = new Map<number, number>();
    for (const s of got.result)
      for (const [, line] of s.values) {
        const id = Number(/^id=(\d+) /.exec(line)?.[1]);
        seen.set(id, (seen.get(id) ?? 0) + 1);
        returned++;
      }
    for (const id of ids) if (!seen.has(id)) lost.push(id);
    for (const [id, n] of seen) if (n > 1) doubled.push(id);
  };
  const todo = [...load.acked];
  await Promise.all(
    Array.from({ length: READ_CONCURRENCY }, async () => {
      for (let next = todo.shift(); next; next = todo.shift()) await readStream(...next);
    }),
  );
  return { lost, doubled, returned, warnings: [...warnings] };
}

export function p99(latencies: number[]): number {
  if (!latencies.length) return 0;
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
}
