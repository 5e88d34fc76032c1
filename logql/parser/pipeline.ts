// Parses a log pipeline: line filters, parsers, label filters, formatters, drop/keep, unwrap.
import type {
  CompareOp,
  DropKeepItem,
  ExtractionParam,
  LabelFilter,
  LabelFormatItem,
  LineFilterOp,
  LineFilterValue,
  Matcher,
  Stage,
  Unwrap,
  UnwrapConversion,
} from '../ast.ts';
import type { Cursor } from './cursor.ts';
import { checkRegex, parseMatcher } from './selector.ts';

const LINE_OPS = new Set(['|=', '!=', '|~', '!~']);
const CONVERSIONS = new Set(['bytes', 'duration', 'duration_seconds']);

/** True when the cursor stands on the start of a pipeline stage. */
export const atStage = (c: Cursor) => {
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
  if (op.text !== '|') return { type: 'lineFilter', op: op.text as LineFilterOp, values: lineFilterValues(c, op.text as LineFilterOp) };
  const t = c.peek();
  if (t.kind === 'ident')
    switch (t.text) {
      case 'json':
        c.next();
        return { type: 'json', params: extractionParams(c) };
      case 'logfmt': {
        c.next();
        let strict = false;
        let keepEmpty = false;
        while (c.peek().kind === 'flag') {
          const f = c.next();
          if (f.text === '--strict') strict = true;
          else if (f.text === '--keep-empty') keepEmpty = true;
          else throw c.fail(`syntax error: unexpected flag ${f.text}`, f);
        }
        return { type: 'logfmt', strict, keepEmpty, params: extractionParams(c) };
      }
      case 'regexp': {
        c.next();
        const s = c.expectKind('string', 'STRING');
        checkRegex(c, s.text, s);
        return { type: 'regexp', pattern: s.text };
      }
      case 'pattern':
        c.next();
        return { type: 'pattern', pattern: c.expectKind('string', 'STRING').text };
      case 'unpack':
        c.next();
        return { type: 'unpack' };
      case 'decolorize':
        c.next();
        return { type: 'decolorize' };
      case 'line_format':
        c.next();
        return { type: 'lineFormat', template: c.expectKind('string', 'STRING').text };
      case 'label_format':
        c.next();
        return { type: 'labelFormat', items: labelFormatItems(c) };
      case 'drop':
      case 'keep':
        c.next();
        return { type: t.text, items: dropKeepItems(c) };
    }
  return { type: 'labelFilter', filter: parseLabelFilter(c) };
}

function lineFilterValues(c: Cursor, op: LineFilterOp): LineFilterValue[] {
  const values: LineFilterValue[] = [];
  do {
    if (c.isIdent('ip') && c.isOp('(', 1)) {
      c.next();
      c.next();
      values.push({ kind: 'ip', value: c.expectKind('string', 'STRING').text });
      c.expect(')');
    } else {
      const s = c.expectKind('string', 'STRING');
      if (op === '|~' || op === '!~') checkRegex(c, s.text, s);
      values.push({ kind: 'string', value: s.text });
    }
  } while (c.accept('or'));
  return values;
}

function extractionParams(c: Cursor): ExtractionParam[] {
  const params: ExtractionParam[] = [];
  // after a parser only `|`, a line filter, `[`, `)` or the end may follow: an identifier starts its parameters
  if (!c.isIdent()) return params;
  do {
    const label = c.expectKind('ident', 'IDENTIFIER').text;
    const expr = c.accept('=') ? c.expectKind('string', 'STRING').text : label;
    params.push({ label, expr });
  } while (c.accept(','));
  return params;
}

function labelFormatItems(c: Cursor): LabelFormatItem[] {
  const items: LabelFormatItem[] = [];
  do {
    const dst = c.expectKind('ident', 'IDENTIFIER').text;
    c.expect('=');
    const t = c.next();
    if (t.kind === 'string') items.push({ kind: 'template', dst, template: t.text });
    else if (t.kind === 'ident') items.push({ kind: 'rename', dst, src: t.text });
    else {
      c.at--;
      throw c.unexpected('expecting STRING or IDENTIFIER');
    }
  } while (c.accept(','));
  return items;
}

function dropKeepItems(c: Cursor): DropKeepItem[] {
  const items: DropKeepItem[] = [];
  do {
    if (c.isIdent() && c.peek(1).kind === 'op' && ['=', '!=', '=~', '!~'].includes(c.peek(1).text)) items.push({ kind: 'matcher', matcher: parseMatcher(c) });
    else items.push({ kind: 'name', name: c.expectKind('ident', 'IDENTIFIER').text });
  } while (c.accept(','));
  return items;
}

/** `| unwrap x`, `| unwrap duration(x)`, then label filters that apply to the samples. */
export function parseUnwrap(c: Cursor): Unwrap {
  c.expect('|');
  c.expect('unwrap');
  let conversion: UnwrapConversion | undefined;
  let label: string;
  if (c.isIdent() && CONVERSIONS.has(c.peek().text) && c.isOp('(', 1)) {
    conversion = c.next().text as UnwrapConversion;
    c.next();
    label = c.expectKind('ident', 'IDENTIFIER').text;
    c.expect(')');
  } else label = c.expectKind('ident', 'IDENTIFIER').text;
  const postFilters: LabelFilter[] = [];
  while (c.isOp('|') && c.isIdent(undefined, 1)) {
    c.next();
    postFilters.push(parseLabelFilter(c));
  }
  return conversion ? { label, conversion, postFilters } : { label, postFilters };
}

// ---- label filter expressions: or < and (`and`, `,`, juxtaposition) < atoms ----

export function parseLabelFilter(c: Cursor): LabelFilter {
  let left = andFilter(c);
  while (c.accept('or')) left = { kind: 'or', left, right: andFilter(c) };
  return left;
}

function andFilter(c: Cursor): LabelFilter {
  let left = atom(c);
  for (;;) {
    if (c.accept('and') || c.accept(',')) left = { kind: 'and', left, right: atom(c) };
    else if ((c.isIdent() && !c.isIdent('or') && !c.isIdent('offset') && !c.isIdent('by') && !c.isIdent('without')) || c.isOp('('))
      left = { kind: 'and', left, right: atom(c) };
    else return left;
  }
}

const NUMERIC_OPS = new Set(['==', '=', '!=', '>', '>=', '<', '<=']);

function atom(c: Cursor): LabelFilter {
  if (c.accept('(')) {
    const f = parseLabelFilter(c);
    c.expect(')');
    return f;
  }
  const nameTok = c.expectKind('ident', 'IDENTIFIER');
  const name = nameTok.text;
  const opTok = c.peek();
  if (opTok.kind !== 'op' || !(NUMERIC_OPS.has(opTok.text) || opTok.text === '=~' || opTok.text === '!~'))
    throw c.unexpected('expecting a comparison');
  c.next();
  const op = opTok.text;
  if ((op === '=' || op === '!=') && c.isIdent('ip') && c.isOp('(', 1)) {
    c.next();
    c.next();
    const value = c.expectKind('string', 'STRING').text;
    c.expect(')');
    return { kind: 'ip', name, op, value };
  }
  const v = c.peek();
  if (v.kind === 'string' && (op === '=' || op === '!=' || op === '=~' || op === '!~')) {
    c.next();
    if (op === '=~' || op === '!~') checkRegex(c, v.text, v);
    const matcher: Matcher = { name, op, value: v.text };
    return { kind: 'string', matcher };
  }
  if (op === '=~' || op === '!~') throw c.unexpected('expecting STRING');
  const cmp = (op === '=' ? '==' : op) as CompareOp;
  const sign = c.accept('-') ? -1 : 1;
  const t = c.next();
  if (t.kind === 'number') return { kind: 'number', name, op: cmp, value: sign * t.value!, literal: (sign < 0 ? '-' : '') + t.text };
  if (t.kind === 'duration') return { kind: 'duration', name, op: cmp, value: sign * t.value!, literal: (sign < 0 ? '-' : '') + t.text };
  if (t.kind === 'bytes') return { kind: 'bytes', name, op: cmp, value: sign * t.value!, literal: (sign < 0 ? '-' : '') + t.text };
  c.at--;
  throw c.unexpected('expecting STRING, NUMBER, DURATION or BYTES');
}
