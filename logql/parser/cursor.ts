// A position in the token list, with the helpers every parse function uses.
import { ParseError } from './errors.ts';
import type { Token } from './lexer.ts';

const describe = (t: Token): string => {
  switch (t.kind) {
    case 'eof':
      return '$end';
    case 'string':
      return `STRING ${JSON.stringify(t.text)}`;
    case 'ident':
      return `IDENTIFIER ${t.text}`;
    case 'number':
      return `NUMBER ${t.text}`;
    case 'duration':
      return `DURATION ${t.text}`;
    case 'bytes':
      return `BYTES ${t.text}`;
    default:
      return JSON.stringify(t.text);
  }
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

  expect(text: string): Token {
    const t = this.peek();
    if ((t.kind === 'op' || t.kind === 'ident') && t.text === text) return this.next();
    throw this.unexpected(`expecting ${JSON.stringify(text)}`);
  }

  expectKind(kind: Token['kind'], what: string): Token {
    const t = this.peek();
    if (t.kind !== kind) throw this.unexpected(`expecting ${what}`);
    return this.next();
  }

  unexpected(expecting?: string): ParseError {
    const t = this.peek();
    return new ParseError(`syntax error: unexpected ${describe(t)}${expecting ? `, ${expecting}` : ''}`, t.line, t.col);
  }

  fail(msg: string, t: Token = this.peek()): ParseError {
    return new ParseError(msg, t.line, t.col);
  }
}
