// Builds the tree from tokens with Go's grammar and Go's parse-time checks (unknown functions, variables, ends).
import { argString, type Arg, type Cmd, type Node, type NumberLit, type Pipe } from './ast.ts';
import { lex, parseError, type Token } from './lexer.ts';
import { unquote, parseNumber } from './literals.ts';
import { quote } from '../../model/labels.ts';

type Ender = 'end' | 'else' | 'eof';

export function parse(src: string, hasFunc: (name: string) => boolean): Node[] {
  return new Parser(lex(src), hasFunc).top();
}

class Parser {
  private pos = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  constructor(private toks: Token[], private hasFunc: (name: string) => boolean) {}

  top(): Node[] {
    const [list, end] = this.list();
    if (end !== 'eof') throw parseError(this.peek().line, `unexpected {{${end}}}`);
    return list;
  }

  private peek(): Token { return this.toks[this.pos]; }
  private next(): Token { return this.toks[this.pos++]; }
  // Next token that is not a space.
  private nextNS(): Token { let t = this.next(); while (t.kind === 'space') t = this.next(); return t; }
  private peekNS(): Token { let p = this.pos; while (this.toks[p].kind === 'space') p++; return this.toks[p]; }
  private skipSpace(): void { while (this.peek().kind === 'space') this.pos++; }

  private expectClose(ctx: string): void {
    const t = this.nextNS();
    if (t.kind !== 'close') throw parseError(t.line, `unexpected ${describe(t)} in ${ctx}`);
  }

  // Parses nodes until {{end}}, {{else}} or EOF; the ender's own tokens are consumed except after else.
  private list(): [Node[], Ender] {
    const nodes: Node[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') return [nodes, 'eof'];
      if (t.kind === 'text') { nodes.push({ t: 'text', text: t.val }); continue; }
      // t is '{{'
      const k = this.peekNS();
      if (k.kind === 'keyword') {
        this.nextNS();
        switch (k.val) {
          case 'end': this.expectClose('end'); return [nodes, 'end'];
          case 'else': return [nodes, 'else'];
          case 'if': case 'with': case 'range': nodes.push(this.branch(k.val, k.line)); continue;
          case 'break': case 'continue':
            if (this.rangeDepth === 0) throw parseError(k.line, `{{${k.val}}} outside {{range}}`);
            this.expectClose(k.val); nodes.push({ t: k.val }); continue;
          default: throw parseError(k.line, `{{${k.val}}} is not supported`);
        }
      }
      const pipe = this.pipeline('command', true);
      nodes.push({ t: 'action', pipe });
    }
  }

  private branch(kind: 'if' | 'with' | 'range', line: number): Node {
    const mark = this.vars.length;
    const pipe = this.pipeline(kind, kind === 'range' ? 'range' : true);
    if (kind === 'range') this.rangeDepth++;
    const [list, end] = this.list();
    if (kind === 'range') this.rangeDepth--;
    let elseList: Node[] | null = null;
    if (end === 'eof') throw parseError(line, 'unexpected EOF');
    if (end === 'else') {
      const k = this.peekNS();
      // {{else if ...}} nests a branch that shares this one's {{end}}; Go 1.21 has no {{else with}}.
      if (k.kind === 'keyword' && k.val === 'if') {
        this.nextNS();
        // Go keeps the pipeline's variables visible in the else branches.
        elseList = [this.branch('if', k.line)];
      } else {
        this.expectClose('else');
        const [l2, end2] = this.list();
        if (end2 !== 'end') throw parseError(line, end2 === 'eof' ? 'unexpected EOF' : 'expected end; found {{else}}');
        elseList = l2;
      }
    }
    this.vars.length = mark;
    return { t: kind, pipe, list, elseList };
  }

  // pipeline: [decl :=] command { | command }, up to '}}' (or ')' when nested).
  private pipeline(ctx: string, decls: boolean | 'range', closer: 'close' | 'rparen' = 'close'): Pipe {
    const line = this.peek().line;
    const pos = this.peekNS().pos;
    const decl: string[] = [];
    let assign = false;
    if (decls) {
      const save = this.pos;
      const v = this.peekNS();
      if (v.kind === 'var') {
        this.nextNS();
        const op = this.peekNS();
        if (op.kind === 'declare' || op.kind === 'assign') {
          this.nextNS(); decl.push(v.val); assign = op.kind === 'assign';
        } else if (op.kind === 'comma' && decls === 'range') {
          this.nextNS();
          const v2 = this.nextNS();
          if (v2.kind !== 'var') throw parseError(v2.line, `range can only initialize variables`);
          const op2 = this.nextNS();
          if (op2.kind !== 'declare' && op2.kind !== 'assign') throw parseError(op2.line, 'expected := or =');
          decl.push(v.val, v2.val); assign = op2.kind === 'assign';
        } else this.pos = save;
      }
      if (assign) for (const n of decl) if (!this.vars.includes(n)) throw parseError(line, `undefined variable "${n}"`);
    }
    const cmds: Cmd[] = [];
    for (;;) {
      const t = this.peekNS();
      if (t.kind === closer) {
        this.nextNS();
        if (cmds.length === 0) throw parseError(t.line, `missing value for ${ctx}`);
        break;
      }
      cmds.push(this.command(closer));
      const sep = this.peekNS();
      if (sep.kind === 'pipe') { this.nextNS(); if (this.peekNS().kind === closer) throw parseError(sep.line, 'missing command after |'); continue; }
      if (sep.kind !== closer) throw parseError(sep.line, `unexpected ${describe(sep)} in ${ctx}`);
    }
    for (let i = 1; i < cmds.length; i++) {
      const a = cmds[i].args[0];
      if (a.t === 'bool' || a.t === 'dot' || a.t === 'nil' || a.t === 'number' || a.t === 'string') {
        throw parseError(line, `non executable command in pipeline stage ${i + 1}`);
      }
    }
    if (!assign) for (const n of decl) this.vars.push(n);
    return { decl, assign, cmds, line, pos };
  }

  private command(closer: 'close' | 'rparen'): Cmd {
    const args: Arg[] = [];
    this.skipSpace();
    const pos = this.peek().pos;
    for (;;) {
      const a = this.operand();
      if (!a) {
        const t = this.peek();
        throw parseError(t.line, `unexpected ${describe(t)} in operand`);
      }
      args.push(a);
      const t = this.peek();
      if (t.kind === 'space') { this.skipSpace(); const n = this.peek(); if (n.kind === closer || n.kind === 'pipe') break; continue; }
      if (t.kind === closer || t.kind === 'pipe') break;
      throw parseError(t.line, `unexpected ${describe(t)} in operand`);
    }
    return { args, pos };
  }

  // operand: term followed by an optional .Field chain.
  private operand(): Arg | null {
    const a = this.term();
    if (!a) return null;
    if (this.peek().kind !== 'field') return a;
    // Go places the whole chain at its first field: `$o.level` is at `.level`.
    const pos = this.peek().pos;
    const names: string[] = [];
    while (this.peek().kind === 'field') names.push(this.next().val.slice(1));
    switch (a.t) {
      case 'field': return { t: 'field', names: [...a.names, ...names], pos };
      case 'var': return { t: 'var', name: a.name, names: [...a.names, ...names], pos };
      // __timestamp__.Unix and (pipeline).Field: a result with fields or methods applied.
      case 'func': case 'pipe': return { t: 'chain', node: a, names, pos };
      default: throw parseError(this.peek().line, `unexpected . after term ${quote(argString(a))}`);
    }
  }

  private term(): Arg | null {
    const t = this.next();
    const pos = t.pos;
    switch (t.kind) {
      case 'ident':
        if (!this.hasFunc(t.val)) throw parseError(t.line, `function "${t.val}" not defined`);
        return { t: 'func', name: t.val, pos };
      case 'dot': return { t: 'dot', pos };
      case 'nil': return { t: 'nil', pos };
      case 'field': return { t: 'field', names: [t.val.slice(1)], pos };
      case 'var':
        if (!this.vars.includes(t.val)) throw parseError(t.line, `undefined variable "${t.val}"`);
        return { t: 'var', name: t.val, names: [], pos };
      case 'bool': return { t: 'bool', value: t.val === 'true', pos };
      case 'string': return { t: 'string', value: unquote(t.val, t.line), quoted: t.val, pos };
      case 'char': case 'number': {
        const num: NumberLit = parseNumber(t.val, t.kind === 'char', t.line);
        return { t: 'number', num, pos };
      }
      case 'lparen': {
        const pipe = this.pipeline('parenthesized pipeline', false, 'rparen');
        return { t: 'pipe', pipe, pos: pipe.pos };
      }
    }
    this.pos--;
    return null;
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'close': return '"}}"';
    case 'eof': return 'EOF';
    case 'space': return 'space';
    default: return `<${t.val}>`;
  }
}
