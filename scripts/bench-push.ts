// What the bench pushes and how: realistic logfmt lines of about 200 bytes, Loki JSON push bodies
// of 1000 lines over 10 streams, and a sustained pusher that keeps a number of pushes in flight
// (or a rate) and counts lines, bytes, failures and latencies.

export const LINES_PER_PUSH = 1000;
const STREAMS_PER_PUSH = 10;

/** A realistic-looking line of about 200 bytes: logfmt, and one in four JSON. */
export function line(i: number): string {
  // level and status independent of the JSON/logfmt choice (i % 4)
  const level = (i >> 2) % 10 ? 'info' : 'error';
  const status = (i >> 2) % 17 ? 200 : 500;
  const trace = (i * 2654435761 >>> 0).toString(16);
  if (i % 4 === 3)
    return `{"ts":"2026-11-25T10:00:00.${String(i % 1000).padStart(3, '0')}Z","level":"${level}","caller":"handler.go:${100 + (i % 50)}","msg":"request done","method":"GET","path":"/api/v1/items/${i}","status":${status},"duration_ms":${(i % 900) + 3},"trace_id":"${trace}"}`;
  return `ts=2026-11-25T10:00:00.${String(i % 1000).padStart(3, '0')}Z level=${level} caller=handler.go:${100 + (i % 50)} msg="request done" method=GET path=/api/v1/items/${i} status=${status} duration=${(i % 900) + 3}ms bytes=${(i * 7919) % 100000} trace_id=${trace}`;
}

/** Push `p`: 10 streams of 100 lines, streams taken in turn from `streams` pods; timestamps unique per push. */
export function pushBody(p: number, t0: bigint, streams = STREAMS_PER_PUSH): { json: string; lineBytes: number } {
  const out = [];
  let lineBytes = 0;
  const perStream = LINES_PER_PUSH / STREAMS_PER_PUSH;
  for (let s = 0; s < STREAMS_PER_PUSH; s++) {
    const values: Array<[string, string]> = [];
    for (let k = 0; k < perStream; k++) {
      const i = p * LINES_PER_PUSH + s * perStream + k;
      const l = line(i);
      lineBytes += Buffer.byteLength(l);
      values.push([String(t0 + BigInt(i)), l]);
    }
    out.push({ stream: { job: 'bench', pod: `pod-${(p * STREAMS_PER_PUSH + s) % streams}` }, values });
  }
  return { json: JSON.stringify({ streams: out }), lineBytes };
}

export interface PushResult {
  seconds: number;
  lines: number;
  /** Bytes of the JSON bodies acknowledged. */
  bytes: number;
  /** Bytes of the log lines in them. */
  lineBytes: number;
  failures: number;
  p99Ms: number;
  /** Everything acknowledged, pushes that were in flight at stop included: what the store holds. */
  stored: { lines: number; lineBytes: number };
}

export interface Pusher {
  /** Lines acknowledged so far. */
  lines(): number;
  stop(): Promise<PushResult>;
}

export interface PusherOptions {
  url: string;
  inFlight: number;
  streams: number;
  /** At most this many pushes a second, all workers together; 0: as fast as acks come back. */
  pushesPerSec?: number;
}

/**
 * Pushes until stopped. Bodies are made as they are sent (a sustained run would not fit in memory
 * made in advance), every line unique (a pool of repeated lines would compress far better than
 * real logs), and timestamps follow the clock, rising from push to push so that every line has a
 * time of its own.
 */
export function startPusher(o: PusherOptions): Pusher {
  const perStream = LINES_PER_PUSH / STREAMS_PER_PUSH;
  let last = 0n;
  const body = (p: number): { json: string; lineBytes: number } => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const t0 = now > last ? now : last;
    last = t0 + BigInt(LINES_PER_PUSH);
    const streams: string[] = [];
    let lineBytes = 0;
    for (let s = 0; s < STREAMS_PER_PUSH; s++) {
      const values: string[] = [];
      for (let k = 0; k < perStream; k++) {
        const i = s * perStream + k;
        const l = line(p * LINES_PER_PUSH + i);
        lineBytes += l.length;
        values.push(`["${t0 + BigInt(i)}",${JSON.stringify(l)}]`);
      }
      streams.push(`{"stream":{"job":"bench","pod":"pod-${(p * STREAMS_PER_PUSH + s) % o.streams}"},"values":[${values.join(',')}]}`);
    }
    return { json: `{"streams":[${streams.join(',')}]}`, lineBytes };
  };
  let running = true;
  let next = 0;
  let lines = 0;
  let bytes = 0;
  let lineBytes = 0;
  let failures = 0;
  const latencies: number[] = [];
  const began = performance.now();
  const gap = o.pushesPerSec ? 1000 / o.pushesPerSec : 0;
  const worker = async () => {
    while (running) {
      const p = next++;
      if (gap) {
        const wait = began + p * gap - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (!running) return;
      }
      const { json, lineBytes: pushed } = body(p);
      const sent = performance.now();
      try {
        const res = await fetch(`${o.url}/loki/api/v1/push`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: json, signal: AbortSignal.timeout(30_000) });
        await res.arrayBuffer();
        if (res.status !== 204) throw new Error(String(res.status));
        lines += LINES_PER_PUSH;
        bytes += json.length;
        lineBytes += pushed;
        latencies.push(performance.now() - sent);
      } catch {
        failures++;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const workers = Array.from({ length: o.inFlight }, worker);
  return {
    lines: () => lines,
    stop: async () => {
      running = false;
      const seconds = (performance.now() - began) / 1000;
      const counted = { lines, bytes, lineBytes };
      await Promise.all(workers);
      latencies.sort((a, b) => a - b);
      const p99Ms = Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? 0);
      // what was acknowledged within the measured time; pushes still in flight at stop are not counted
      return { seconds, ...counted, failures, p99Ms, stored: { lines, lineBytes } };
    },
  };
}
