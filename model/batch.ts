// Entry batches: a stream's entries column-wise, as chunks, the ingest log, ingesters and the
// evaluator hand them to each other, and the ways to slice, join and build them.
import type { Labels } from './labels.ts';

/**
 * Entries column-wise, so that filters run over bytes without making a string
 * or object per entry. Line i is `lines.subarray(offsets[i], offsets[i + 1])`.
 * Columns are never modified once handed over, so consumers may keep views into them.
 */
export interface EntryColumns {
  /** Nanoseconds since the Unix epoch, one per entry. */
  ts: BigInt64Array;
  lines: Buffer;
  /** length = entries + 1 */
  offsets: Uint32Array;
  /** Structured metadata per entry, when any entry has some. */
  metadata?: ReadonlyArray<Labels | undefined>;
}

/** Entries of one stream, in timestamp order (ascending). */
export interface EntryBatch extends EntryColumns {
  /** The stream's labels. */
  labels: Labels;
}

export type Direction = 'forward' | 'backward';

/** One entry as a row, for code that sorts or merges entries before packing them into a batch. */
export type Row = [ts: bigint, line: Buffer, metadata: Labels | undefined];

/** Packs rows (already in order) into a batch. */
export const batchFromRows = (labels: Labels, rows: ReadonlyArray<Row>): EntryBatch => ({ labels, ...columnsFromRows(rows) });

/** Packs rows into columns, in the order given. */
export function columnsFromRows(rows: ReadonlyArray<Row>): EntryColumns {
  const n = rows.length;
  const ts = new BigInt64Array(n);
  const offsets = new Uint32Array(n + 1);
  let at = 0;
  let anyMeta = false;
  for (let i = 0; i < n; i++) {
    ts[i] = rows[i][0];
    offsets[i] = at;
    at += rows[i][1].length;
    if (rows[i][2]?.length) anyMeta = true;
  }
  offsets[n] = at;
  const cols: EntryColumns = { ts, lines: Buffer.concat(rows.map((r) => r[1]), at), offsets };
  if (anyMeta) cols.metadata = rows.map((r) => (r[2]?.length ? r[2] : undefined));
  return cols;
}

/** First index i with ts[i] >= t (ts ascending). */
export function firstAtOrAfter(ts: BigInt64Array, t: bigint): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with ts[i] > t (ts ascending). */
export const firstAfter = (ts: BigInt64Array, t: bigint): number => (t === INT64_MAX ? ts.length : firstAtOrAfter(ts, t + 1n));

const INT64_MAX = (1n << 63n) - 1n;

/** The entries of an ascending batch with start <= ts < end, as views into it. */
export function batchInRange(b: EntryBatch, start: bigint, end: bigint): EntryBatch {
  const lo = firstAtOrAfter(b.ts, start);
  return sliceBatch(b, lo, Math.max(lo, firstAtOrAfter(b.ts, end)));
}

/** Entries [from, to) of a batch, as views into it. */
export function sliceBatch(b: EntryBatch, from: number, to: number): EntryBatch {
  if (from === 0 && to === b.ts.length) return b;
  const base = b.offsets[from];
  const offsets = new Uint32Array(to - from + 1);
  for (let i = from; i <= to; i++) offsets[i - from] = b.offsets[i] - base;
  const out: EntryBatch = { labels: b.labels, ts: b.ts.subarray(from, to), lines: b.lines.subarray(base, b.offsets[to]), offsets };
  if (b.metadata) out.metadata = b.metadata.slice(from, to);
  return out;
}

/** Whether each batch starts after the one before it ends (so no entry can be in two of them). */
export const followEachOther = (batches: EntryBatch[]): boolean =>
  batches.every((b, i) => i === 0 || batches[i - 1].ts[batches[i - 1].ts.length - 1] < b.ts[0]);

/** Batches of one stream that follow each other in time, as one batch. */
export const concatBatches = (parts: EntryBatch[]): EntryBatch =>
  parts.length === 1 ? parts[0] : { labels: parts[0].labels, ...concatColumns(parts) };

/** Columns one after the other, as one set of columns (one copy of the lines). */
export function concatColumns(parts: readonly EntryColumns[]): EntryColumns {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.ts.length;
  const ts = new BigInt64Array(n);
  const offsets = new Uint32Array(n + 1);
  const anyMeta = parts.some((p) => p.metadata);
  const metadata: Array<Labels | undefined> | undefined = anyMeta ? [] : undefined;
  let at = 0;
  let bytes = 0;
  for (const p of parts) {
    const k = p.ts.length;
    ts.set(p.ts, at);
    const base = p.offsets[0];
    for (let i = 0; i < k; i++) offsets[at + i] = bytes + p.offsets[i] - base;
    bytes += p.offsets[k] - base;
    if (metadata) for (let i = 0; i < k; i++) metadata.push(p.metadata?.[i]);
    at += k;
  }
  offsets[n] = bytes;
  const cols: EntryColumns = { ts, lines: Buffer.concat(parts.map((p) => p.lines.subarray(p.offsets[0], p.offsets[p.ts.length]))), offsets };
  if (metadata) cols.metadata = metadata;
  return cols;
}

/** The entries whose `keep` byte is not 0, in their order. */
export function pickEntries(c: EntryColumns, keep: Uint8Array): EntryColumns {
  let n = 0;
  let bytes = 0;
  for (let i = 0; i < keep.length; i++)
    if (keep[i]) {
      n++;
      bytes += c.offsets[i + 1] - c.offsets[i];
    }
  const ts = new BigInt64Array(n);
  const offsets = new Uint32Array(n + 1);
  const lines = Buffer.allocUnsafe(bytes);
  const metadata: Array<Labels | undefined> | undefined = c.metadata ? [] : undefined;
  let j = 0;
  let at = 0;
  for (let i = 0; i < keep.length; i++) {
    if (!keep[i]) continue;
    ts[j] = c.ts[i];
    offsets[j++] = at;
    at += c.lines.copy(lines, at, c.offsets[i], c.offsets[i + 1]);
    metadata?.push(c.metadata![i]);
  }
  offsets[n] = at;
  const out: EntryColumns = { ts, lines, offsets };
  if (metadata?.some(Boolean)) out.metadata = metadata;
  return out;
}

/** Builds a batch from plain entries; for tests and small inputs, not hot paths. */
export function batchOf(
  labels: Labels,
  entries: ReadonlyArray<readonly [bigint, string, Labels?]>,
): EntryBatch {
  return batchFromRows(
    labels,
    entries.map(([t, line, meta]) => [t, Buffer.from(line, 'utf8'), meta]),
  );
}
