// Parses a log pipeline: line filters, parsers, label filters, formatters, drop/keep, unwrap.
import type {
  CompareOp,
  DropKeepItem,
  ExtractionParam,
  LabelFilter,
  LabelFormatItem,
  LineFilterOp,
  LineFilterValue,
  Stage,
  Unwrap,
  UnwrapConversion,
} from '../ast.ts';
import type { Cursor } from './cursor.ts';
import { ParseError } from './errors.ts';
import { goFloatError } from './numbers.ts';
import { checkPatternParser, checkRegexpParser } from './parser-checks.ts';
import { checkMatcherRegex, parseMatcherAfterName } from './selector.ts';

const LINE_OPS = new Set(['|=', '!=', '|~', '!~']);
const MATCH_OPS = new Set(['=', '!=', '=~', '!~']);
const CONVERSIONS: Record<string, UnwrapConversion> = { BYTES_CONV: 'bytes', DURATION_CONV: 'duration', DURATION_SECONDS_CONV: 'duration_seconds' };

/** True when the cursor stands on the start of a pipeline stage. */
const atStage = (c: Cursor) => {
  const t = c.peek();
  return t.kind === 'op' && (LINE_OPS.has(t.text) || (t.text === '|' && !c.isIdent('unwrap', 1)));
};

export function parsePipeline(c: Cursor): Stage[] {
  const stages: Stage[] = [];
  while (atStage(c)) stages.push(parseStage(c));
  return stages;
}

function parseStage(c: Cursor): Stage {
  const op = c.next();
  if (op.text !== '|') return { type: 'lineFilter', op: op.text as LineFilterOp, values: lineFilterValues(c) };
  switch (c.nameOf()) {
    case 'json':
      c.next();
      return { type: 'json', params: extractionParams(c) };
    case 'logfmt': {
      c.next();
      // --strict and --keep-empty are Loki 2.9's; an unknown flag is left for the caller to refuse
      let strict = false;
      let keepEmpty = false;
      for (;;) {
        if (c.accept('--strict')) strict = true;
        else if (c.accept('--keep-empty')) keepEmpty = true;
        else break;
      }
      return { type: 'logfmt', strict, keepEmpty, params: extractionParams(c) };
    }
    case 'regexp': {
      c.next();
      const pattern = c.expectKind('string', ['STRING']).text;
      checkRegexpParser(pattern);
      return { type: 'regexp', pattern };
    }
    case 'pattern': {
      c.next();
      const pattern = c.expectKind('string', ['STRING']).text;
      checkPatternParser(pattern);
      return { type: 'pattern', pattern };
    }
    case 'unpack':
      c.next();
      return { type: 'unpack' };
    case 'decolorize':
      c.next();
      return { type: 'decolorize' };
    case 'line_format':
      c.next();
      return { type: 'lineFormat', template: c.expectKind('string', ['STRING']).text };
    case 'label_format':
      c.next();
      return { type: 'labelFormat', items: labelFormatItems(c) };
    case 'drop':
      c.next();
      return { type: 'drop', items: dropKeepItems(c) };
  }
  // `keep` is Loki 2.9's, a plain word to 2.8's lexer: a stage when a label name follows it
  if (c.isIdent('keep') && c.isName(1)) {
    c.next();
    return { type: 'keep', items: dropKeepItems(c) };
  }
  if (!c.isName() && !c.isOp('(')) throw c.unexpected();
  return { type: 'labelFilter', filter: parseLabelFilter(c) };
}

/** `"a"`, `ip("..")`, and Loki 2.9's `"a" or "b"`; `or` before anything else is the binary operator. */
function lineFilterValues(c: Cursor): LineFilterValue[] {
  const values: LineFilterValue[] = [];
  for (;;) {
    if (c.nameOf() === 'ip') {
      c.next();
      c.next();
      values.push({ kind: 'ip', value: c.expectKind('string', ['STRING']).text });
      c.expect(')');
    } else values.push({ kind: 'string', value: c.expectKind('string', ['STRING', 'ip']).text });
    const more = c.isIdent('or') && (c.peek(1).kind === 'string' || c.nameOf(1) === 'ip');
    if (!more) return values;
    c.next();
  }
}

function extractionParams(c: Cursor): ExtractionParam[] {
  const params: ExtractionParam[] = [];
  // after a parser only `|`, a line filter, `[`, `)` or the end may follow: an identifier starts its parameters
  if (!c.isName()) return params;
  do {
    const label = c.expectKind('ident', ['IDENTIFIER']).text;
    const expr = c.accept('=') ? c.expectKind('string', ['STRING']).text : label;
    params.push({ label, expr });
  } while (c.accept(','));
  return params;
}

function labelFormatItems(c: Cursor): LabelFormatItem[] {
  const items: LabelFormatItem[] = [];
  do {
    const dst = c.expectKind('ident', ['IDENTIFIER']).text;
    c.expect('=');
    if (c.peek().kind === 'string') items.push({ kind: 'template', dst, template: c.next().text });
    else items.push({ kind: 'rename', dst, src: c.expectKind('ident', ['IDENTIFIER', 'STRING']).text });
  } while (c.accept(','));
  return items;
}

function dropKeepItems(c: Cursor): DropKeepItem[] {
  const items: DropKeepItem[] = [];
  do {
    const name = c.expectKind('ident', ['IDENTIFIER']).text;
    if (c.peek().kind === 'op' && MATCH_OPS.has(c.peek().text)) items.push({ kind: 'matcher', matcher: parseMatcherAfterName(c, name) });
    else items.push({ kind: 'name', name });
  } while (c.accept(','));
  return items;
}

/** `| unwrap x`, `| unwrap duration(x)`, then label filters that apply to the samples. */
export function parseUnwrap(c: Cursor): Unwrap {
  c.expect('|');
  c.expect('unwrap');
  const conversion: UnwrapConversion | undefined = CONVERSIONS[c.nameOf()];
  let label: string;
  if (conversion) {
    c.next();
    c.next();
    label = c.expectKind('ident', ['IDENTIFIER']).text;
    c.expect(')');
  } else label = c.expectKind('ident', ['IDENTIFIER', ...Object.keys(CONVERSIONS)]).text;
  const postFilters: LabelFilter[] = [];
  while (c.accept('|')) {
    if (!c.isName() && !c.isOp('(')) throw c.unexpected(FILTER_START);
    postFilters.push(parseLabelFilter(c));
  }
  return conversion ? { label, conversion, postFilters } : { label, postFilters };
}

// ---- label filter expressions: or < and (`and`, `,`, juxtaposition) < atoms ----

/** Loki's list where a label filter must start. */
const FILTER_START = ['IDENTIFIER', '('];

export function parseLabelFilter(c: Cursor): LabelFilter {
  let left = andFilter(c);
  while (c.accept('or')) left = { kind: 'or', left, right: atomAfterOperator(c, andFilter) };
  return left;
}

function atomAfterOperator(c: Cursor, parse: (c: Cursor) => LabelFilter): LabelFilter {
  if (!c.isName() && !c.isOp('(')) throw c.unexpected(FILTER_START);
  return parse(c);
}

function andFilter(c: Cursor): LabelFilter {
  let left = atom(c);
  for (;;) {
    if (c.accept('and') || c.accept(',')) left = { kind: 'and', left, right: atomAfterOperator(c, atom) };
    else if (c.isName() || c.isOp('(')) left = { kind: 'and', left, right: atom(c) };
    else return left;
  }
}

const NUMERIC_OPS = new Set(['==', '>', '>=', '<', '<=']);
/** Loki's list after a comparison: no strings there. */
const EXPECT_NUMBER = ['BYTES', 'NUMBER', 'DURATION'];

function atom(c: Cursor): LabelFilter {
  if (c.accept('(')) {
    const f = atomAfterOperator(c, parseLabelFilter);
    c.expect(')', []);
    return f;
  }
  const name = c.expectKind('ident', FILTER_START).text;
  const opTok = c.peek();
  const op = opTok.text;
  if (opTok.kind !== 'op' || !(NUMERIC_OPS.has(op) || MATCH_OPS.has(op))) throw c.unexpected();
  if (op === '=~' || op === '!~') {
    c.next();
    const v = c.expectKind('string', ['STRING']);
    checkMatcherRegex(v.text);
    return { kind: 'string', matcher: { name, op, value: v.text } };
  }
  c.next();
  if ((op === '=' || op === '!=') && c.nameOf() === 'ip') {
    c.next();
    c.next();
    const value = c.expectKind('string', ['STRING']).text;
    c.expect(')');
    return { kind: 'ip', name, op, value };
  }
  if ((op === '=' || op === '!=') && c.peek().kind === 'string') return { kind: 'string', matcher: { name, op, value: c.next().text } };
  const cmp = (op === '=' ? '==' : op) as CompareOp;
  const t = c.peek();
  if (t.kind === 'number') {
    c.next();
    const bad = goFloatError(t.text);
    if (bad) throw new ParseError(`unable to parse float: ${bad}`);
    return { kind: 'number', name, op: cmp, value: t.value!, literal: t.text };
  }
  if (t.kind === 'duration' || t.kind === 'bytes') {
    c.next();
    return { kind: t.kind, name, op: cmp, value: t.value!, literal: t.text };
  }
  // after = and != a string or ip() also fits: more than Loki lists
  throw c.unexpected(NUMERIC_OPS.has(op) ? EXPECT_NUMBER : []);
}
