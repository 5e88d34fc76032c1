// Parses LogQL: log queries, range and vector aggregations, binary operations with Prometheus
// precedence, literals, vector() and label_replace(). Errors come in Loki's order: syntax errors
// while parsing, then the tree's validation, then the stages' construction.
import type {
  BinaryOp,
  Expr,
  Grouping,
  LogExpr,
  LogRange,
  RangeOp,
  SampleExpr,
  VectorMatching,
  VectorOp,
} from '../ast.ts';
import { RANGE_OPS, VECTOR_OPS } from '../ast.ts';
import { Cursor } from './cursor.ts';
import { ParseError } from './errors.ts';
import { lex } from './lexer.ts';
import { goFloatError, goIntOk, literalValue, printGoFloat } from './numbers.ts';
import { parsePipeline, parseUnwrap } from './pipeline.ts';
import { regexpError } from './regexp-errors.ts';
import { parseSelector } from './selector.ts';
import { checkStages } from './stage-checks.ts';
import { checkMatchers, validate, type Later } from './validate.ts';

const RANGE_OP_NAMES = new Set<string>(RANGE_OPS);
/** Range aggregations that may group their result (the others keep each stream). */
const GROUPING_OPS = new Set<string>([
  'avg_over_time', 'stddev_over_time', 'stdvar_over_time', 'quantile_over_time', 'max_over_time', 'min_over_time',
  'first_over_time', 'last_over_time',
]);
/** Range aggregations that accept an unwrap. */
const WITH_UNWRAP = new Set<string>([
  'avg_over_time', 'sum_over_time', 'max_over_time', 'min_over_time', 'stddev_over_time', 'stdvar_over_time',
  'quantile_over_time', 'rate', 'rate_counter', 'absent_over_time', 'first_over_time', 'last_over_time',
]);
/** Range aggregations that work without one. */
const WITHOUT_UNWRAP = new Set<string>(['bytes_over_time', 'bytes_rate', 'count_over_time', 'rate', 'absent_over_time']);
const VECTOR_OP_NAMES = new Set<string>(VECTOR_OPS);

/** Binding power of each binary operator (Prometheus' table); `^` binds to the right. */
const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2, unless: 2,
  '==': 3, '!=': 3, '>': 3, '>=': 3, '<': 3, '<=': 3,
  '+': 4, '-': 4,
  '*': 5, '/': 5, '%': 5,
  '^': 6,
};
const LOGICAL = new Set(['and', 'or', 'unless']);

interface Ctx {
  c: Cursor;
  later: Later;
}

export function parseExpr(query: string): Expr {
  const x: Ctx = { c: new Cursor(lex(query)), later: new Map() };
  const e = parseBinary(x, 1);
  if (x.c.peek().kind !== 'eof') throw x.c.unexpected();
  validate(e, x.later);
  checkStages(e);
  return e;
}

/** A bare selector, as the API's `match[]` and `query` parameters hold; Loki parses it as a query. */
export function parseMatchers(selector: string) {
  const c = new Cursor(lex(selector));
  const m = parseSelector(c);
  if (c.peek().kind !== 'eof') throw c.unexpected();
  checkMatchers(m);
  return m;
}

function binaryOpAt(c: Cursor): string | undefined {
  const t = c.peek();
  if ((t.kind === 'op' || t.kind === 'ident') && t.text in PRECEDENCE) return t.text;
  return undefined;
}

/** Loki's name for a log query's Go type, in its binary operation errors. */
const goType = (e: LogExpr) => (e.pipeline.length ? '*syntax.PipelineExpr' : '*syntax.MatchersExpr');

function parseBinary(x: Ctx, minPrec: number): Expr {
  const { c } = x;
  let left = parseOperand(x);
  for (;;) {
    const op = binaryOpAt(c);
    if (!op || PRECEDENCE[op] < minPrec) return left;
    c.next();
    const bool = c.accept('bool');
    const matching = parseMatching(c);
    const right = parseBinary(x, op === '^' ? PRECEDENCE[op] : PRECEDENCE[op] + 1);
    const e: SampleExpr = { kind: 'binary', op: op as BinaryOp, bool, left: left as SampleExpr, right: right as SampleExpr };
    if (matching) e.matching = matching;
    const err = binaryError(op, left, right);
    if (err) x.later.set(e, err);
    left = e;
  }
}

function binaryError(op: string, left: Expr, right: Expr): ParseError | undefined {
  if (left.kind === 'log') return new ParseError(`unexpected type for left leg of binary operation (${op}): ${goType(left)}`);
  if (right.kind === 'log') return new ParseError(`unexpected type for right leg of binary operation (${op}): ${goType(right)}`);
  if (!LOGICAL.has(op)) return undefined;
  const l = literalValue(left);
  if (l !== undefined) return new ParseError(`unexpected literal for left leg of logical/set binary operation (${op}): ${printGoFloat(l)}`);
  const r = literalValue(right);
  if (r !== undefined) return new ParseError(`unexpected literal for right leg of logical/set binary operation (${op}): ${printGoFloat(r)}`);
  return undefined;
}

/** `(a, b)`, `()`; Loki's lists of what may come next at each step. */
function labelList(c: Cursor): string[] {
  c.expect('(');
  const out: string[] = [];
  if (c.accept(')')) return out;
  out.push(c.expectKind('ident', ['IDENTIFIER', ')']).text);
  for (;;) {
    if (c.accept(')')) return out;
    c.expect(',', [',', ')']);
    out.push(c.expectKind('ident', ['IDENTIFIER']).text);
  }
}

function parseMatching(c: Cursor): VectorMatching | undefined {
  if (!c.isIdent('on') && !c.isIdent('ignoring')) return undefined;
  const on = c.next().text === 'on';
  const m: VectorMatching = { on, labels: labelList(c) };
  if (c.isIdent('group_left') || c.isIdent('group_right')) {
    const side = c.next().text === 'group_left' ? 'left' : 'right';
    m.group = { side, include: c.isOp('(') ? labelList(c) : [] };
  }
  return m;
}

/** A number, signed or not; Loki keeps a number it cannot read as an error for later. */
function parseLiteral(x: Ctx): SampleExpr {
  const { c } = x;
  const sign = c.isOp('-') || c.isOp('+') ? c.next().text : '';
  const t = c.expectKind('number', ['NUMBER']);
  const e: SampleExpr = { kind: 'literal', value: sign === '-' ? -t.value! : t.value! };
  const bad = goFloatError(t.text);
  if (bad) x.later.set(e, new ParseError(`unable to parse literal as a float: ${bad}`));
  return e;
}

function parseOperand(x: Ctx): Expr {
  const { c } = x;
  const t = c.peek();
  if (t.kind === 'number' || c.isOp('-') || c.isOp('+')) return parseLiteral(x);
  if (c.isOp('{')) {
    const log: LogExpr = { kind: 'log', matchers: parseSelector(c), pipeline: parsePipeline(c) };
    if (c.isOp('|') && c.isIdent('unwrap', 1)) {
      c.next();
      throw c.unexpected();
    }
    return log;
  }
  if (c.isOp('(')) {
    c.next();
    const e = parseBinary(x, 1);
    c.expect(')', []);
    return e;
  }
  const name = c.nameOf();
  if (t.kind === 'ident' && name !== 'IDENTIFIER') {
    if (RANGE_OP_NAMES.has(t.text)) return parseRangeAggregation(x);
    if (VECTOR_OP_NAMES.has(t.text)) return parseVectorAggregation(x);
    if (t.text === 'vector') return parseVectorLiteral(x);
    if (t.text === 'label_replace') return parseLabelReplace(x);
  }
  throw c.unexpected();
}

function parseVectorLiteral(x: Ctx): SampleExpr {
  const { c } = x;
  c.next();
  c.expect('(');
  const n = c.expectKind('number', ['NUMBER']);
  c.expect(')');
  const e: SampleExpr = { kind: 'vectorLiteral', value: n.value! };
  const bad = goFloatError(n.text);
  if (bad) x.later.set(e, new ParseError(`unable to parse vectorExpr as a float: ${bad}`));
  return e;
}

function parseGrouping(c: Cursor): Grouping | undefined {
  if (!c.isIdent('by') && !c.isIdent('without')) return undefined;
  const without = c.next().text === 'without';
  return { without, labels: labelList(c) };
}

/** The offset after a range, if any. */
function parseOffset(c: Cursor): number {
  if (!c.accept('offset')) return 0;
  return c.expectKind('duration', ['DURATION']).value!;
}

/**
 * The forms Loki's grammar takes: `{..} [5m] offset 1h | pipeline | unwrap x`, `{..} | pipeline | unwrap x [5m] offset 1h`,
 * and each inside parentheses, with the range inside or after them.
 */
function parseLogRange(c: Cursor): LogRange {
  if (c.accept('(')) {
    const inner = parseLogRangeBody(c);
    c.expect(')', inner.range === undefined ? [] : [')']);
    if (inner.range !== undefined) return inner as LogRange;
    const range = c.expectKind('range', ['RANGE']).value!;
    const offset = parseOffset(c);
    const r: LogRange = { ...inner, range, offset };
    // `( {..} ) [5m] offset 1h | unwrap x` is Loki's one form with an unwrap after the parentheses
    if (!inner.log.pipeline.length && !inner.unwrap && c.isOp('|') && c.isIdent('unwrap', 1)) r.unwrap = parseUnwrap(c);
    return r;
  }
  const body = parseLogRangeBody(c);
  if (body.range === undefined) throw c.unexpected(body.unwrap ? ['RANGE', '|'] : []);
  return body as LogRange;
}

function parseLogRangeBody(c: Cursor): Omit<LogRange, 'range'> & { range?: number } {
  const log: LogExpr = { kind: 'log', matchers: parseSelector(c), pipeline: [] };
  const unwrapNext = () => c.isOp('|') && c.isIdent('unwrap', 1);
  let offset = 0;
  if (c.peek().kind === 'range') {
    const range = c.next().value!;
    offset = parseOffset(c);
    log.pipeline = parsePipeline(c);
    const r: LogRange = { log, range, offset };
    if (unwrapNext()) r.unwrap = parseUnwrap(c);
    return r;
  }
  log.pipeline = parsePipeline(c);
  const unwrap = unwrapNext() ? parseUnwrap(c) : undefined;
  if (c.peek().kind !== 'range') return unwrap ? { log, offset, unwrap } : { log, offset };
  const range = c.next().value!;
  offset = parseOffset(c);
  return unwrap ? { log, range, offset, unwrap } : { log, range, offset };
}

function parseRangeAggregation(x: Ctx): SampleExpr {
  const { c } = x;
  const op = c.next().text as RangeOp;
  c.expect('(');
  let param: string | undefined;
  if (c.peek().kind === 'number') {
    param = c.next().text;
    c.expect(',');
  } else if (!c.isOp('{') && !c.isOp('(')) throw c.unexpected(['NUMBER', '{', '(']);
  if (param !== undefined && !c.isOp('{') && !c.isOp('(')) throw c.unexpected(['{', '(']);
  const range = parseLogRange(c);
  c.expect(')');
  const grouping = parseGrouping(c);
  const e: SampleExpr = { kind: 'range', op, range };
  if (param !== undefined && op === 'quantile_over_time') e.param = Number(param);
  if (grouping) e.grouping = grouping;
  const err = rangeError(op, param, range, grouping);
  if (err) x.later.set(e, new ParseError(err));
  return e;
}

function rangeError(op: RangeOp, param: string | undefined, range: LogRange, grouping: Grouping | undefined): string | undefined {
  if (param !== undefined && op !== 'quantile_over_time') return `parameter ${param} not supported for operation ${op}`;
  if (param === undefined && op === 'quantile_over_time') return `parameter required for operation ${op}`;
  const bad = param === undefined ? undefined : goFloatError(param);
  if (bad) return `invalid parameter for operation ${op}: ${bad}`;
  if (grouping && !GROUPING_OPS.has(op)) return `grouping not allowed for ${op} aggregation`;
  if (range.unwrap) return WITH_UNWRAP.has(op) ? undefined : `invalid aggregation ${op} with unwrap`;
  return WITHOUT_UNWRAP.has(op) ? undefined : `invalid aggregation ${op} without unwrap`;
}

/** A metric query inside parentheses: a bare log query there is a syntax error at what follows it. */
function parseMetricArgument(x: Ctx): SampleExpr {
  const e = parseBinary(x, 1);
  if (e.kind === 'log') throw x.c.unexpected();
  return e;
}

function parseVectorAggregation(x: Ctx): SampleExpr {
  const { c } = x;
  const op = c.next().text as VectorOp;
  let grouping = parseGrouping(c);
  c.expect('(');
  let param: string | undefined;
  if (c.peek().kind === 'number' && c.isOp(',', 1)) {
    param = c.next().text;
    c.next();
  }
  const inner = parseMetricArgument(x);
  c.expect(')', []);
  grouping ??= parseGrouping(c);
  const e: SampleExpr = { kind: 'vector', op, inner };
  if (param !== undefined && goIntOk(param)) e.param = Number(param);
  if (grouping) e.grouping = grouping;
  const err = vectorError(op, param);
  if (err) x.later.set(e, new ParseError(err));
  return e;
}

function vectorError(op: VectorOp, param: string | undefined): string | undefined {
  if (op !== 'topk' && op !== 'bottomk') return param === undefined ? undefined : `unsupported parameter for operation ${op}(${param},`;
  if (param === undefined) return `parameter required for operation ${op}`;
  if (!goIntOk(param)) return `invalid parameter ${op}(${param},`;
  if (Number(param) <= 0) return `invalid parameter (must be greater than 0) ${op}(${param}`;
  return undefined;
}

function parseLabelReplace(x: Ctx): SampleExpr {
  const { c } = x;
  c.next();
  c.expect('(');
  const inner = parseMetricArgument(x);
  // after the query Loki could still read an operator, so it lists nothing; after a string only `,` fits
  const str = (afterString: boolean) => {
    c.expect(',', afterString ? [','] : []);
    return c.expectKind('string', ['STRING']).text;
  };
  const dst = str(false);
  const replacement = str(true);
  const src = str(true);
  const regex = str(true);
  c.expect(')');
  const e: SampleExpr = { kind: 'labelReplace', inner, dst, replacement, src, regex };
  const bad = regexpError(`^(?:${regex})$`);
  if (bad) x.later.set(e, new ParseError(`invalid regex in label_replace: ${bad}`));
  return e;
}
