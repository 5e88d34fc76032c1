// The LogQL syntax tree: the one contract between parser, printer and evaluator.
// Durations are nanoseconds as plain numbers (exact up to ~104 days, ample for
// ranges, offsets and steps); timestamps never live in the tree.
import type { Matcher } from '../model/matchers.ts';

// ---- log pipeline -----------------------------------------------------------

export type LineFilterOp = '|=' | '!=' | '|~' | '!~';

/** One operand of a line filter: a literal/regex string, or ip("cidr|range|addr"). */
export type LineFilterValue = { kind: 'string'; value: string } | { kind: 'ip'; value: string };

/** `|= "a" or "b"`: values are or-ed for positive ops; for `!=`/`!~` a line must match none. */
export interface LineFilterStage {
  type: 'lineFilter';
  op: LineFilterOp;
  values: LineFilterValue[];
}

/** `json` or `json a="b.c", d="e[0]"`. */
export interface JsonStage {
  type: 'json';
  params: ExtractionParam[];
}

/** `logfmt`, `logfmt --strict --keep-empty a="b"`. */
export interface LogfmtStage {
  type: 'logfmt';
  strict: boolean;
  keepEmpty: boolean;
  params: ExtractionParam[];
}

/** A label to extract: `name="expression"`, or just `name` (expression = name). */
export interface ExtractionParam {
  label: string;
  expr: string;
}

export interface RegexpStage {
  type: 'regexp';
  pattern: string;
}

export interface PatternStage {
  type: 'pattern';
  pattern: string;
}

export interface UnpackStage {
  type: 'unpack';
}

export interface LineFormatStage {
  type: 'lineFormat';
  template: string;
}

/** `label_format a=b` renames b to a; `label_format a="{{.b}}"` renders a template. */
export type LabelFormatItem =
  | { kind: 'rename'; dst: string; src: string }
  | { kind: 'template'; dst: string; template: string };

export interface LabelFormatStage {
  type: 'labelFormat';
  items: LabelFormatItem[];
}

/** `drop a, b="x"` / `keep a, b=~"y"`: a bare name, or a matcher on the label. */
export type DropKeepItem = { kind: 'name'; name: string } | { kind: 'matcher'; matcher: Matcher };

export interface DropStage {
  type: 'drop';
  items: DropKeepItem[];
}

export interface KeepStage {
  type: 'keep';
  items: DropKeepItem[];
}

export interface DecolorizeStage {
  type: 'decolorize';
}

export type CompareOp = '==' | '!=' | '>' | '>=' | '<' | '<=';

/**
 * Label filter expressions. `literal` keeps the user's spelling of a duration
 * or byte size (`250ms`, `20MB`) so the printer can give it back; `value` is
 * the parsed figure (nanoseconds for durations, bytes for sizes).
 * `=` between a label and a number is the same test as `==`; the parser stores `==`.
 */
export type LabelFilter =
  | { kind: 'string'; matcher: Matcher }
  | { kind: 'number'; name: string; op: CompareOp; value: number; literal: string }
  | { kind: 'duration'; name: string; op: CompareOp; value: number; literal: string }
  | { kind: 'bytes'; name: string; op: CompareOp; value: number; literal: string }
  | { kind: 'ip'; name: string; op: '=' | '!='; value: string }
  | { kind: 'and' | 'or'; left: LabelFilter; right: LabelFilter };

export interface LabelFilterStage {
  type: 'labelFilter';
  filter: LabelFilter;
}

export type Stage =
  | LineFilterStage
  | JsonStage
  | LogfmtStage
  | RegexpStage
  | PatternStage
  | UnpackStage
  | LineFormatStage
  | LabelFormatStage
  | DropStage
  | KeepStage
  | DecolorizeStage
  | LabelFilterStage;

/** `{app="x"} |= "y" | json`. */
export interface LogExpr {
  kind: 'log';
  matchers: Matcher[];
  pipeline: Stage[];
}

// ---- metric queries ---------------------------------------------------------

export type UnwrapConversion = 'bytes' | 'duration' | 'duration_seconds';

/** `| unwrap latency`, `| unwrap duration(latency) | __error__=""`. */
export interface Unwrap {
  label: string;
  conversion?: UnwrapConversion;
  /** Label filters written after the unwrap. */
  postFilters: LabelFilter[];
}

/** `{app="x"} | json [5m] offset 1h`, the argument of a range aggregation. */
export interface LogRange {
  log: LogExpr;
  range: number;
  offset: number;
  unwrap?: Unwrap;
}

export const RANGE_OPS = [
  'rate', 'rate_counter', 'count_over_time', 'bytes_rate', 'bytes_over_time', 'absent_over_time',
  'sum_over_time', 'avg_over_time', 'min_over_time', 'max_over_time', 'stddev_over_time', 'stdvar_over_time',
  'quantile_over_time', 'first_over_time', 'last_over_time',
] as const;
export type RangeOp = (typeof RANGE_OPS)[number];

export interface Grouping {
  without: boolean;
  labels: string[];
}

/** `quantile_over_time(0.99, {..} | unwrap x [1m]) by (a)`. */
export interface RangeAggregation {
  kind: 'range';
  op: RangeOp;
  param?: number;
  range: LogRange;
  grouping?: Grouping;
}

export const VECTOR_OPS = ['sum', 'avg', 'min', 'max', 'stddev', 'stdvar', 'count', 'topk', 'bottomk', 'sort', 'sort_desc'] as const;
export type VectorOp = (typeof VECTOR_OPS)[number];

/** `topk(3, sum by (a) (...))`; `param` is k for topk/bottomk. */
export interface VectorAggregation {
  kind: 'vector';
  op: VectorOp;
  param?: number;
  grouping?: Grouping;
  inner: SampleExpr;
}

export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '^'
  | '=='
  | '!='
  | '>'
  | '>='
  | '<'
  | '<='
  | 'and'
  | 'or'
  | 'unless';

export interface VectorMatching {
  /** on(...) when true, ignoring(...) when false. */
  on: boolean;
  labels: string[];
  /** group_left / group_right with their extra labels. */
  group?: { side: 'left' | 'right'; include: string[] };
}

export interface BinaryExpr {
  kind: 'binary';
  op: BinaryOp;
  bool: boolean;
  matching?: VectorMatching;
  left: SampleExpr;
  right: SampleExpr;
}

export interface LiteralExpr {
  kind: 'literal';
  value: number;
}

/** `vector(1)`. */
export interface VectorExpr {
  kind: 'vectorLiteral';
  value: number;
}

/** `label_replace(expr, "dst", "replacement", "src", "regex")`. */
export interface LabelReplaceExpr {
  kind: 'labelReplace';
  inner: SampleExpr;
  dst: string;
  replacement: string;
  src: string;
  regex: string;
}

export type SampleExpr =
  | RangeAggregation
  | VectorAggregation
  | BinaryExpr
  | LiteralExpr
  | VectorExpr
  | LabelReplaceExpr;

export type Expr = LogExpr | SampleExpr;

export const isLogExpr = (e: Expr): e is LogExpr => e.kind === 'log';
