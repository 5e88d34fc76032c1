// The data the evaluator consumes and produces: entry batches in, Loki-shaped results out.

/** A label set as sorted [name, value] pairs (sorted by name, names unique). */
export type Labels = ReadonlyArray<readonly [string, string]>;

/**
 * Entries of one stream, in timestamp order (ascending), stored column-wise so
 * that filters run over bytes without making a string or object per entry.
 * Line i is `lines.subarray(offsets[i], offsets[i + 1])`.
 * A batch is never modified once handed over, so consumers may keep views into it.
 */
export interface EntryBatch {
  /** The stream's labels. */
  labels: Labels;
  /** Nanoseconds since the Unix epoch, one per entry. */
  ts: BigInt64Array;
  lines: Buffer;
  /** length = entries + 1 */
  offsets: Uint32Array;
  /** Structured metadata per entry, when any entry has some. */
  metadata?: ReadonlyArray<Labels | undefined>;
}

export type Direction = 'forward' | 'backward';

/** One stream of a log query's answer, in Loki's JSON shape. */
export interface StreamResult {
  stream: Record<string, string>;
  /** [nanosecond timestamp as a decimal string, line] */
  values: Array<[string, string]>;
}

/** One series of a range query's answer; each point is [unix seconds, value as a string]. */
export interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/** One sample of an instant query's answer. */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export type QueryResult =
  | { resultType: 'streams'; result: StreamResult[] }
  | { resultType: 'matrix'; result: MatrixSeries[] }
  | { resultType: 'vector'; result: VectorSample[] }
  | { resultType: 'scalar'; result: [number, string] };

/** One entry as a row, for code that sorts or merges entries before packing them into a batch. */
export type Row = [ts: bigint, line: Buffer, metadata: Labels | undefined];

/** Packs rows (already in order) into a batch. */
export function batchFromRows(labels: Labels, rows: ReadonlyArray<Row>): EntryBatch {
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
  const batch: EntryBatch = { labels, ts, lines: Buffer.concat(rows.map((r) => r[1]), at), offsets };
  if (anyMeta) batch.metadata = rows.map((r) => (r[2]?.length ? r[2] : undefined));
  return batch;
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
