// Parses LogQL: log queries, range and vector aggregations, binary operations with Prometheus
// precedence, literals, vector() and label_replace(), validated as Loki validates them.
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
import { Cursor } from './cursor.ts';
import { ParseError } from './errors.ts';
import { lex } from './lexer.ts';
import { parsePipeline, parseUnwrap } from './pipeline.ts';
import { checkRegex, parseSelector } from './selector.ts';

const RANGE_OPS = new Set<string>([
  'rate', 'rate_counter', 'count_over_time', 'bytes_rate', 'bytes_over_time', 'absent_over_time',
  'sum_over_time', 'avg_over_time', 'min_over_time', 'max_over_time', 'stddev_over_time', 'stdvar_over_time',
  'quantile_over_time', 'first_over_time', 'last_over_time',
]);
/** Range aggregations that only work on unwrapped samples. */
const UNWRAP_OPS = new Set<string>([
  'rate_counter', 'sum_over_time', 'avg_over_time', 'min_over_time', 'max_over_time', 'stddev_over_time',
  'stdvar_over_time', 'quantile_over_time', 'first_over_time', 'last_over_time',
]);
/** Range aggregations that count lines or bytes: an unwrap makes no sense there. */
const LINE_OPS = new Set<string>(['count_over_time', 'bytes_rate', 'bytes_over_time', 'absent_over_time']);
const VECTOR_OPS = new Set<string>(['sum', 'avg', 'min', 'max', 'stddev', 'stdvar', 'count', 'topk', 'bottomk', 'sort', 'sort_desc']);

/** Binding power of each binary operator (Prometheus' table); `^` binds to the right. */
const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2, unless: 2,
  '==': 3, '!=': 3, '>': 3, '>=': 3, '<': 3, '<=': 3,
  '+': 4, '-': 4,
  '*': 5, '/': 5, '%': 5,
  '^': 6,
};
const COMPARISONS = new Set(['==', '!=', '>', '>=', '<', '<=']);

export function parseExpr(query: string): Expr {
  const c = new Cursor(lex(query));
  if (c.peek().kind === 'eof') throw new ParseError('syntax error: unexpected $end', 1, 1);
  const e = parseBinary(c, 1);
  if (c.peek().kind !== 'eof') throw c.unexpected();
  return e;
}

/** A bare selector, as the API's `match[]` and `query` parameters hold. */
export function parseMatchers(selector: string) {
  const c = new Cursor(lex(selector));
  const m = parseSelector(c);
  if (c.peek().kind !== 'eof') throw c.unexpected();
  return m;
}

function binaryOpAt(c: Cursor): string | undefined {
  const t = c.peek();
  if ((t.kind === 'op' || t.kind === 'ident') && t.text in PRECEDENCE) return t.text;
  return undefined;
}

function parseBinary(c: Cursor, minPrec: number): Expr {
  let left = parseUnary(c);
  for (;;) {
    const op = binaryOpAt(c);
    if (!op || PRECEDENCE[op] < minPrec) return left;
    const opTok = c.next();
    const bool = c.accept('bool');
    if (bool && !COMPARISONS.has(op)) throw c.fail('bool modifier can only be used on comparison operators', opTok);
    const matching = parseMatching(c);
    const right = parseBinary(c, op === '^' ? PRECEDENCE[op] : PRECEDENCE[op] + 1);
    if (left.kind === 'log' || right.kind === 'log') throw c.fail(`unexpected type for binary operation (${op}): log queries are not metric queries`, opTok);
    const e: SampleExpr = { kind: 'binary', op: op as BinaryOp, bool, left, right };
    if (matching) e.matching = matching;
    left = e;
  }
}

function labelList(c: Cursor): string[] {
  c.expect('(');
  const out: string[] = [];
  if (!c.isOp(')'))
    do out.push(c.expectKind('ident', 'IDENTIFIER').text);
    while (c.accept(','));
  c.expect(')');
  return out;
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

function parseUnary(c: Cursor): Expr {
  if (c.isOp('-') || c.isOp('+')) {
    const neg = c.next().text === '-';
    const inner = parseUnary(c);
    if (inner.kind === 'literal') return { kind: 'literal', value: neg ? -inner.value : inner.value };
    if (inner.kind === 'log') throw c.unexpected();
    return neg ? { kind: 'binary', op: '*', bool: false, left: { kind: 'literal', value: -1 }, right: inner } : inner;
  }
  return parsePrimary(c);
}

function parsePrimary(c: Cursor): Expr {
  const t = c.peek();
  if (t.kind === 'number') {
    c.next();
    return { kind: 'literal', value: t.value! };
  }
  if (t.kind === 'op' && t.text === '{') {
    const log: LogExpr = { kind: 'log', matchers: parseSelector(c), pipeline: parsePipeline(c) };
    if (c.isOp('|') && c.isIdent('unwrap', 1)) throw c.fail('unwrap is only allowed in range aggregations');
    return log;
  }
  if (t.kind === 'op' && t.text === '(') {
    c.next();
    const e = parseBinary(c, 1);
    c.expect(')');
    return e;
  }
  if (t.kind === 'ident') {
    if (RANGE_OPS.has(t.text) && c.isOp('(', 1)) return parseRangeAggregation(c);
    if (VECTOR_OPS.has(t.text) && (c.isOp('(', 1) || c.isIdent('by', 1) || c.isIdent('without', 1))) return parseVectorAggregation(c);
    if (t.text === 'vector' && c.isOp('(', 1)) {
      c.next();
      c.next();
      const v = signedNumber(c);
      c.expect(')');
      return { kind: 'vectorLiteral', value: v };
    }
    if (t.text === 'label_replace' && c.isOp('(', 1)) return parseLabelReplace(c);
  }
  throw c.unexpected();
}

function signedNumber(c: Cursor): number {
  const neg = c.accept('-');
  const n = c.expectKind('number', 'NUMBER');
  return neg ? -n.value! : n.value!;
}

function parseGrouping(c: Cursor): Grouping | undefined {
  if (!c.isIdent('by') && !c.isIdent('without')) return undefined;
  const without = c.next().text === 'without';
  return { without, labels: labelList(c) };
}

/** `{..} | pipeline [5m] offset 1h`, also `({..} | pipeline)[5m]` and the range before the pipeline. */
function parseLogRange(c: Cursor): LogRange {
  let log: LogExpr;
  if (c.isOp('(')) {
    c.next();
    const inner = parseLogRangeInner(c, true);
    c.expect(')');
    log = inner.log;
    return finishRange(c, log, parseRangeBrackets(c), inner.unwrap);
  }
  const inner = parseLogRangeInner(c, false);
  if (inner.range === undefined) throw c.unexpected('expecting a range such as [5m]');
  return finishRange(c, inner.log, inner.range, inner.unwrap);
}

function parseLogRangeInner(c: Cursor, inParens: boolean) {
  const log: LogExpr = { kind: 'log', matchers: parseSelector(c), pipeline: parsePipeline(c) };
  let unwrap = c.isOp('|') && c.isIdent('unwrap', 1) ? parseUnwrap(c) : undefined;
  let range: number | undefined;
  // inside parentheses the range comes after the closing one
  if (!inParens && c.isOp('[')) {
    range = parseRangeBrackets(c);
    // the pipeline may also follow the range
    log.pipeline.push(...parsePipeline(c));
    if (!unwrap && c.isOp('|') && c.isIdent('unwrap', 1)) unwrap = parseUnwrap(c);
  }
  return { log, range, unwrap };
}

function parseRangeBrackets(c: Cursor): number {
  c.expect('[');
  const d = c.expectKind('duration', 'DURATION');
  c.expect(']');
  if (d.value! <= 0) throw c.fail(`invalid range ${d.text}: must be positive`, d);
  return d.value!;
}

function finishRange(c: Cursor, log: LogExpr, range: number, unwrap: LogRange['unwrap']): LogRange {
  let offset = 0;
  if (c.accept('offset')) {
    const neg = c.accept('-');
    offset = c.expectKind('duration', 'DURATION').value! * (neg ? -1 : 1);
  }
  const r: LogRange = { log, range, offset };
  if (unwrap) r.unwrap = unwrap;
  return r;
}

function parseRangeAggregation(c: Cursor): SampleExpr {
  const opTok = c.next();
  const op = opTok.text as RangeOp;
  c.expect('(');
  let param: number | undefined;
  if (op === 'quantile_over_time') {
    param = signedNumber(c);
    c.expect(',');
  }
  const range = parseLogRange(c);
  c.expect(')');
  const grouping = parseGrouping(c);
  if (range.unwrap && LINE_OPS.has(op)) throw c.fail(`invalid aggregation ${op} with unwrap`, opTok);
  if (!range.unwrap && UNWRAP_OPS.has(op)) throw c.fail(`invalid aggregation ${op} without unwrap`, opTok);
  if (grouping && !range.unwrap) throw c.fail(`grouping not allowed for ${op} aggregation`, opTok);
  const e: SampleExpr = { kind: 'range', op, range };
  if (param !== undefined) e.param = param;
  if (grouping) e.grouping = grouping;
  return e;
}

function parseVectorAggregation(c: Cursor): SampleExpr {
  const opTok = c.next();
  const op = opTok.text as VectorOp;
  let grouping = parseGrouping(c);
  c.expect('(');
  let param: number | undefined;
  if (op === 'topk' || op === 'bottomk') {
    param = signedNumber(c);
    if (!Number.isInteger(param) || param <= 0) throw c.fail(`invalid parameter ${op}(${param},`, opTok);
    c.expect(',');
  }
  const inner = parseBinary(c, 1);
  c.expect(')');
  const after = parseGrouping(c);
  if (grouping && after) throw c.unexpected();
  grouping ??= after;
  if (inner.kind === 'log') throw c.fail(`invalid aggregation ${op}: it needs a metric query, not a log query`, opTok);
  if ((op === 'sort' || op === 'sort_desc') && grouping) throw c.fail(`grouping not allowed for ${op} aggregation`, opTok);
  const e: SampleExpr = { kind: 'vector', op, inner };
  if (param !== undefined) e.param = param;
  if (grouping) e.grouping = grouping;
  return e;
}

function parseLabelReplace(c: Cursor): SampleExpr {
  c.next();
  c.expect('(');
  const inner = parseBinary(c, 1);
  if (inner.kind === 'log') throw c.fail('label_replace needs a metric query');
  const str = () => {
    c.expect(',');
    return c.expectKind('string', 'STRING');
  };
  const dst = str().text;
  const replacement = str().text;
  const src = str().text;
  const re = str();
  checkRegex(c, re.text, re);
  c.expect(')');
  return { kind: 'labelReplace', inner, dst, replacement, src, regex: re.text };
}
