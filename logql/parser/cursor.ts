// A position in the token list, with the helpers every parse function uses. Syntax errors name
// tokens as Loki's generated parser names them, so that its messages and ours read the same.
import { RANGE_OPS, VECTOR_OPS } from '../ast.ts';
import { ParseError } from './errors.ts';
import type { Token } from './lexer.ts';

/** Words Loki's lexer always reads as their own token, named by their text in its errors. */
const KEYWORDS = new Set([
  'by', 'without', 'bool', 'offset', 'on', 'ignoring', 'group_left', 'group_right', 'or', 'and', 'unless',
  'json', 'regexp', 'logfmt', 'unpack', 'pattern', 'label_format', 'line_format', 'decolorize', 'drop', 'unwrap',
]);
/** Words that are tokens only before `(` (or `by (`/`without (`); else they are identifiers. */
const FUNCTIONS: Record<string, string> = { ip: 'ip', label_replace: 'label_replace', bytes: 'BYTES_CONV', duration: 'DURATION_CONV', duration_seconds: 'DURATION_SECONDS_CONV' };
for (const f of [...RANGE_OPS, ...VECTOR_OPS, 'vector']) FUNCTIONS[f] = f.toUpperCase();

const NAMES: Partial<Record<Token['kind'], string>> = {
  eof: '$end', string: 'STRING', number: 'NUMBER', duration: 'DURATION', bytes: 'BYTES', range: 'RANGE', other: 'IDENTIFIER', flag: '-',
};

export class Cursor {
  at = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(n = 0): Token {
    return this.tokens[Math.min(this.at + n, this.tokens.length - 1)];
  }

  next(): Token {
    const t = this.peek();
    if (this.at < this.tokens.length - 1) this.at++;
    return t;
  }

  /** True (and consumed) when the next token is this operator or identifier. */
  accept(text: string): boolean {
    const t = this.peek();
    if ((t.kind === 'op' || t.kind === 'ident' || t.kind === 'flag') && t.text === text) {
      this.next();
      return true;
    }
    return false;
  }

  isOp(text: string, n = 0): boolean {
    const t = this.peek(n);
    return t.kind === 'op' && t.text === text;
  }

  isIdent(text?: string, n = 0): boolean {
    const t = this.peek(n);
    return t.kind === 'ident' && (text === undefined || t.text === text);
  }

  /** A label name: an identifier that Loki's lexer would not read as a keyword or function. */
  isName(n = 0): boolean {
    return this.isIdent(undefined, n) && this.nameOf(n) === 'IDENTIFIER';
  }

  /** The token's name in Loki's syntax errors. */
  nameOf(n = 0): string {
    const t = this.peek(n);
    if (t.kind === 'op') return t.text;
    if (t.kind !== 'ident') return NAMES[t.kind]!;
    if (KEYWORDS.has(t.text)) return t.text;
    const f = FUNCTIONS[t.text];
    const call = this.isOp('(', n + 1) || ((this.isIdent('by', n + 1) || this.isIdent('without', n + 1)) && this.isOp('(', n + 2));
    return f && call ? f : 'IDENTIFIER';
  }

  /** Consumes this operator or keyword, or fails listing what Loki's parser expects there. */
  expect(text: string, expecting: string[] = [text]): Token {
    const t = this.peek();
    if ((t.kind === 'op' || t.kind === 'ident') && t.text === text) return this.next();
    throw this.unexpected(expecting);
  }

  expectKind(kind: Token['kind'], expecting: string[]): Token {
    const t = this.peek();
    if (t.kind !== kind || (kind === 'ident' && this.nameOf() !== 'IDENTIFIER')) throw this.unexpected(expecting);
    return this.next();
  }

  /** `syntax error: unexpected X[, expecting A or B]`; Loki lists at most four, and none where it may reduce. */
  unexpected(expecting: string[] = []): ParseError {
    const t = this.peek();
    // Loki reads `--flag` after a query as minus, minus, a name: the name is what it cannot take
    if (t.kind === 'flag') return new ParseError('syntax error: unexpected IDENTIFIER, expecting NUMBER', t.line, t.col + 2);
    const list = expecting.length ? `, expecting ${expecting.join(' or ')}` : '';
    return new ParseError(`syntax error: unexpected ${this.nameOf()}${list}`, t.line0 ? 0 : t.line, t.col);
  }
}
