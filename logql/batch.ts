// The data the evaluator consumes and produces: entry batches in, Loki-shaped results out.

/** A label set as sorted [name, value] pairs (sorted by name, names unique). */
export type Labels = ReadonlyArray<readonly [string, string]>;

/**
 * Entries of one stream, in timestamp order (ascending), stored column-wise so
 * that filters run over bytes without making a string or object per entry.
 * Line i is `lines.subarray(offsets[i], offsets[i + 1])`.
 * Owners of a batch may reuse its buffers after the consumer returns: copy what you keep.
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

/** Builds a batch from plain entries; for tests and small inputs, not hot paths. */
export function batchOf(
  labels: Labels,
  entries: ReadonlyArray<readonly [bigint, string, Labels?]>,
): EntryBatch {
  const ts = new BigInt64Array(entries.length);
  const offsets = new Uint32Array(entries.length + 1);
  const parts: Buffer[] = [];
  let at = 0;
  let anyMeta = false;
  entries.forEach(([t, line, meta], i) => {
    ts[i] = t;
    const b = Buffer.from(line, 'utf8');
    parts.push(b);
    offsets[i] = at;
    at += b.length;
    if (meta && meta.length) anyMeta = true;
  });
  offsets[entries.length] = at;
  const batch: EntryBatch = { labels, ts, lines: Buffer.concat(parts, at), offsets };
  if (anyMeta) batch.metadata = entries.map(([, , m]) => (m && m.length ? m : undefined));
  return batch;
}
