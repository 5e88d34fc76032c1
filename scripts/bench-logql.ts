// The LogQL section of `npm run bench`: MB/s of typical queries over an in-memory corpus of
// realistic logfmt and JSON lines, each beside a plain Buffer.indexOf scan of the same bytes.
import type { EntryBatch } from '../model/batch.ts';
import type { Labels } from '../model/labels.ts';
import { evaluate, type Source } from '../logql/eval/index.ts';
import { parseExpr } from '../logql/parser/index.ts';

const BATCH_BYTES = 4 << 20;
const LEVELS = ['info', 'info', 'info', 'debug', 'warn', 'error'];
const PATHS = ['/api/v1/items', '/api/v1/users', '/healthz', '/api/v1/orders', '/metrics'];

function line(i: number): string {
  const level = LEVELS[i % LEVELS.length];
  const path = PATHS[(i >> 3) % PATHS.length];
  const status = i % 23 === 0 ? 500 : 200;
  const ms = (i * 7919) % 2500;
  if (i % 2)
    return `ts=2026-11-25T10:00:${String(i % 60).padStart(2, '0')}Z level=${level} caller=http.go:${100 + (i % 50)} msg="request served" method=GET path=${path} status=${status} duration=${ms}ms bytes=${(i * 31) % 90000} trace_id=${(i * 2654435761 >>> 0).toString(16)}`;
  return JSON.stringify({ ts: `2026-11-25T10:00:${String(i % 60).padStart(2, '0')}Z`, level, caller: `http.go:${100 + (i % 50)}`, msg: 'request served', method: 'GET', path, status, duration: `${ms}ms`, bytes: (i * 31) % 90000, trace_id: (i * 2654435761 >>> 0).toString(16) });
}

/** About `totalBytes` of lines over 8 streams, timestamps one millisecond apart. */
export function corpus(totalBytes: number): EntryBatch[] {
  const batches: EntryBatch[] = [];
  let i = 0;
  let made = 0;
  while (made < totalBytes) {
    const labels: Labels = [['app', 'shop'], ['pod', `pod-${batches.length % 8}`]];
    const lines: Buffer[] = [];
    const ts: bigint[] = [];
    let size = 0;
    while (size < BATCH_BYTES) {
      const b = Buffer.from(line(i), 'utf8');
      lines.push(b);
      ts.push(BigInt(i) * 1_000_000n);
      size += b.length;
      i++;
    }
    const offsets = new Uint32Array(lines.length + 1);
    let at = 0;
    lines.forEach((b, k) => {
      offsets[k] = at;
      at += b.length;
    });
    offsets[lines.length] = at;
    batches.push({ labels, ts: BigInt64Array.from(ts), lines: Buffer.concat(lines, at), offsets });
    made += size;
  }
  return batches;
}

export interface LogqlRow {
  query: string;
  mbPerSec: number;
  baselineMbPerSec: number;
  ratio: number;
}

/** The indexOf baseline: every occurrence of the needle in the same bytes. */
function scan(batches: EntryBatch[], needle: Buffer): number {
  let found = 0;
  for (const b of batches) for (let at = b.lines.indexOf(needle); at >= 0; at = b.lines.indexOf(needle, at + 1)) found++;
  return found;
}

export async function benchLogql(totalBytes = 256 << 20): Promise<LogqlRow[]> {
  const batches = corpus(totalBytes);
  const bytes = batches.reduce((n, b) => n + b.lines.length, 0);
  const end = batches[batches.length - 1].ts[batches[batches.length - 1].ts.length - 1] + 1n;
  const source: Source = {
    async *select() {
      yield* batches;
    },
  };
  const queries = [
    '{app="shop"} |= "trace_id=ffff"',
    '{app="shop"} |~ "a.*b"',
    '{app="shop"} | json | level="error"',
    '{app="shop"} | logfmt | duration > 1s',
    // half the corpus is JSON, which logfmt refuses: as in Loki, the metric query must drop those lines
    'sum by (level) (count_over_time({app="shop"} | logfmt | __error__="" [1m]))',
  ];
  const needle = Buffer.from('trace_id=ffff');
  const rows: LogqlRow[] = [];
  for (const q of queries) {
    const b0 = performance.now();
    scan(batches, needle);
    const baseline = bytes / 1e6 / ((performance.now() - b0) / 1000);
    const expr = parseExpr(q);
    const t0 = performance.now();
    const metric = expr.kind !== 'log';
    await evaluate(expr, { start: 0n, end, step: 60_000_000_000, direction: 'backward', limit: 100, instant: !metric ? false : true }, source);
    const mbPerSec = bytes / 1e6 / ((performance.now() - t0) / 1000);
    rows.push({ query: q, mbPerSec: +mbPerSec.toFixed(1), baselineMbPerSec: +baseline.toFixed(1), ratio: +(mbPerSec / baseline).toFixed(3) });
  }
  return rows;
}
