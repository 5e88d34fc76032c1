// What the evaluator answers with: Loki's result shapes (streams, matrix, vector, scalar).

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
