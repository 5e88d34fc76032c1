// `json a="b"` and unpack: Loki reads these with json-iterator, which is strict, and words its
// errors with the bytes around the position it stopped at.
import { BACKSLASH, ESCAPES, hex4, isJsonSpace, QUOTE, REPLACEMENT } from './json-bytes.ts';

// json-iterator allows 10000 levels; a recursion that deep can overflow Node's stack, so Muninn
// stops at 1000 (no log nests so deep) with json-iterator's own error
const MAX_ITER_DEPTH = 1000;

/** json-iterator's reading position over one line, and the first error it reports. */
export class Iter {
  head = 0;
  err: string | undefined;
  /** Arrays and objects open around the position. */
  private depth = 0;
  /** A number ran into the end of the line: not reported, yet Valid counts it as a failure. */
  eof = false;
  constructor(private b: Buffer) {}

  /** The next byte that is not white space, consumed; 0 at the end. */
  nextToken(): number {
    const b = this.b;
    for (let i = this.head; i < b.length; i++) {
      if (!isJsonSpace(b[i])) {
        this.head = i + 1;
        return b[i];
      }
    }
    this.head = b.length;
    return 0;
  }

  /** 0 at the end, where json-iterator reports nothing yet: its callers do. */
  private readByte(): number {
    if (this.head < this.b.length) return this.b[this.head++];
    return 0;
  }

  /** Gives back a byte nextToken took; nothing was taken at the end. */
  unread(c: number): void {
    if (c !== 0) this.head--;
  }

  /** The next byte that is not white space, not consumed. */
  peek(): number {
    const c = this.nextToken();
    this.unread(c);
    return c;
  }

  report(op: string, msg: string): void {
    if (this.err !== undefined) return;
    const b = this.b;
    const h = this.head;
    const ps = Math.max(0, h - 10);
    const peek = b.toString('utf8', ps, Math.min(b.length, h + 10));
    const context = b.toString('utf8', Math.max(0, h - 50), Math.min(b.length, h + 50));
    this.err = `${op}: ${msg}, error found in #${h - ps} byte of ...|${peek}|..., bigger context ...|${context}|...`;
  }

  /** A string value (or null, as ""). */
  readString(): string {
    const b = this.b;
    const c = this.nextToken();
    if (c === 0x6e) {
      this.literal('ull');
      return '';
    }
    if (c !== QUOTE) {
      this.report('ReadString', `expects " or n, but found ${String.fromCharCode(c)}`);
      return '';
    }
    const start = this.head;
    let i = start;
    for (; i < b.length; i++) {
      const x = b[i];
      if (x === QUOTE) {
        this.head = i + 1;
        return b.toString('utf8', start, i);
      }
      if (x === BACKSLASH) break;
      if (x < 0x20) {
        this.report('ReadString', `invalid control character found: ${x}`);
        return '';
      }
    }
    // escapes: a byte at a time, as json-iterator's slow path
    let out = '';
    let run = start;
    for (;;) {
      if (this.head >= b.length) {
        this.report('readStringSlowPath', 'unexpected end of input');
        return '';
      }
      const x = b[this.head++];
      if (x === QUOTE) return out + b.toString('utf8', run, this.head - 1);
      if (x !== BACKSLASH) continue;
      out += b.toString('utf8', run, this.head - 1);
      const esc = this.readByte();
      if (esc === 0x75) {
        const r = this.readU4();
        if (r < 0) return '';
        const lo = r >= 0xd800 && r < 0xe000 ? hex4(b, this.head, b.length) : -1;
        if (lo >= 0xdc00 && lo < 0xe000 && r < 0xdc00) {
          out += String.fromCharCode(r, lo);
          this.head += 6;
        } else out += r >= 0xd800 && r < 0xe000 ? REPLACEMENT : String.fromCharCode(r);
      } else {
        const e = ESCAPES[esc];
        if (e === undefined) {
          this.report('readEscapedChar', 'invalid escape char after \\');
          return '';
        }
        out += e;
      }
      run = this.head;
    }
  }

  /** Four hex digits; -1 after reporting the first byte that is not one. */
  private readU4(): number {
    let r = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.readByte();
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
      if (d < 0) {
        this.report('readU4', `expects 0~9 or a~f, but found ${String.fromCharCode(c)}`);
        return -1;
      }
      r = (r << 4) | d;
    }
    return r;
  }

  private literal(rest: string): void {
    for (let k = 0; k < rest.length; k++) {
      if (this.readByte() !== rest.charCodeAt(k)) {
        this.report(rest.length === 3 ? 'skipThreeBytes' : 'skipFourBytes', `expect ${rest}`);
        return;
      }
    }
  }

  private deeper(): boolean {
    if (++this.depth <= MAX_ITER_DEPTH) return true;
    this.report('incrementDepth', 'exceeded max depth');
    return false;
  }

  /** Past the next value, checking it. */
  skip(): void {
    const c = this.nextToken();
    const b = this.b;
    switch (c) {
      case QUOTE:
        this.head--;
        this.readString();
        return;
      case 0x6e:
        return this.literal('ull');
      case 0x74:
        return this.literal('rue');
      case 0x66:
        return this.literal('alse');
      case 0x5b: {
        if (!this.deeper()) return;
        let x = this.nextToken();
        if (x === 0x5d) return void this.depth--;
        this.unread(x);
        for (;;) {
          this.skip();
          if (this.err !== undefined) return;
          x = this.nextToken();
          if (x !== 0x2c) break;
        }
        if (x !== 0x5d) this.report('ReadArrayCB', `expect ] in the end, but found ${String.fromCharCode(x)}`);
        this.depth--;
        return;
      }
      case 0x7b: {
        if (!this.deeper()) return;
        let x = this.nextToken();
        if (x === 0x7d) return void this.depth--;
        if (x !== QUOTE) return this.report('ReadObjectCB', `expect " after {, but found ${String.fromCharCode(x)}`);
        this.unread(x);
        for (;;) {
          this.readString();
          if (this.err !== undefined) return;
          x = this.nextToken();
          if (x !== 0x3a) return this.report('ReadObject', `expect : after object field, but found ${String.fromCharCode(x)}`);
          this.skip();
          if (this.err !== undefined) return;
          x = this.nextToken();
          if (x !== 0x2c) break;
        }
        if (x !== 0x7d) this.report('ReadObjectCB', 'object not ended with }');
        this.depth--;
        return;
      }
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      // json-iterator's quick check of the dots first, then JSON's number grammar; what follows
      // the number is the caller's to judge
      let dot = false;
      for (let k = this.head; k < b.length && ((b[k] >= 0x30 && b[k] <= 0x39) || b[k] === 0x2e); k++) {
        if (b[k] !== 0x2e) continue;
        if (dot) return this.report('validateNumber', 'more than one dot found in number');
        if (k + 1 < b.length && !(b[k + 1] >= 0x30 && b[k + 1] <= 0x39)) return this.report('validateNumber', 'missing digit after dot');
        dot = true;
      }
      let i = this.head - 1;
      if (b[i] === 0x2d) i++;
      const digits = () => {
        const s = i;
        while (i < b.length && b[i] >= 0x30 && b[i] <= 0x39) i++;
        return i > s;
      };
      let ok = b[i] === 0x30 ? (i++, true) : digits();
      if (ok && b[i] === 0x2e) (i++, (ok = digits()));
      if (ok && (b[i] === 0x65 || b[i] === 0x45)) {
        i++;
        if (b[i] === 0x2b || b[i] === 0x2d) i++;
        ok = digits();
      }
      this.head = i;
      if (!ok) this.report('readNumberAsString', 'invalid number');
      else if (i >= b.length) this.eof = true;
      return;
    }
    this.report('Skip', `do not know how to skip: ${c}`);
  }

  /** The raw bytes of the next value, checked; undefined after an error. */
  rawValue(): string | undefined {
    if (this.peek() === 0) return undefined;
    const start = this.head;
    this.skip();
    return this.err === undefined ? this.b.toString('utf8', start, this.head) : undefined;
  }
}

/** json-iterator's Valid: the first value in the line is good JSON; what follows is not looked at. */
export function validJson(line: Buffer): boolean {
  const it = new Iter(line);
  it.skip();
  return it.err === undefined && !it.eof;
}

/** json-iterator's Get(path).ToString(): strings decoded, other values as written, "" for null or nothing. */
export function lookup(line: Buffer, path: Array<string | number>): string {
  const it = new Iter(line);
  for (const seg of path) {
    const c = it.nextToken();
    let found = false;
    if (typeof seg === 'string' && c === 0x7b) {
      if (it.peek() !== 0x7d) {
        do {
          const k = it.readString();
          it.nextToken();
          if (k === seg) {
            found = true;
            break;
          }
          it.skip();
        } while (it.err === undefined && it.nextToken() === 0x2c);
      }
    } else if (typeof seg === 'number' && c === 0x5b) {
      if (it.peek() !== 0x5d) {
        let n = 0;
        do {
          if (n++ === seg) {
            found = true;
            break;
          }
          it.skip();
        } while (it.err === undefined && it.nextToken() === 0x2c);
      }
    }
    if (!found || it.err !== undefined) return '';
  }
  const c = it.peek();
  if (c === QUOTE) return it.readString();
  if (c === 0x6e) return '';
  return it.rawValue() ?? '';
}
