// Walks the parsed tree against one line's labels: Go's evaluation rules for fields, pipelines, variables and branches.
import type { Arg, Branch, Cmd, Node, Pipe } from './ast.ts';
import { TemplateError } from './errors.ts';
import type { FuncMap, Param, RenderCtx } from './funcs/types.ts';
import { timeMethods } from './methods.ts';
import { GoTime, Int64, type Value, formatV, truth, typeName } from './values.ts';

const enum Flow { Normal, Break, Continue }

// Whatever a function throws is reported the way Go reports it: "error calling name: cause".
export class Exec {
  private names: string[] = ['$'];
  private values: Value[] = [null];
  out = '';
  constructor(private funcs: FuncMap, private ctx: RenderCtx) {
    this.values[0] = ctx.labels;
  }

  run(nodes: Node[]): string {
    this.walk(nodes, this.ctx.labels);
    return this.out;
  }

  private walk(nodes: Node[], dot: Value): Flow {
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      switch (n.t) {
        case 'text': this.out += n.text; break;
        case 'action': {
          const v = this.pipe(n.pipe, dot);
          if (n.pipe.decl.length === 0) this.out += v === null ? '<no value>' : formatV(v);
          break;
        }
        case 'if': case 'with': {
          const mark = this.names.length;
          const v = this.pipe(n.pipe, dot);
          let f = Flow.Normal;
          if (truth(v)) f = this.walk(n.list, n.t === 'with' ? v : dot);
          else if (n.elseList) f = this.walk(n.elseList, dot);
          this.pop(mark);
          if (f !== Flow.Normal) return f;
          break;
        }
        case 'range': {
          const f = this.range(n, dot);
          if (f !== Flow.Normal) return f;
          break;
        }
        case 'break': return Flow.Break;
        case 'continue': return Flow.Continue;
      }
    }
    return Flow.Normal;
  }

  private range(n: Branch, dot: Value): Flow {
    const mark = this.names.length;
    const p = n.pipe;
    const v = this.pipe(p, dot, false);
    const decl = p.decl;
    const one = (k: Value, e: Value): Flow => {
      const m = this.names.length;
      if (decl.length === 1) this.setVar(decl[0], e, p.assign);
      else if (decl.length === 2) { this.setVar(decl[0], k, p.assign); this.setVar(decl[1], e, p.assign); }
      const f = this.walk(n.list, e);
      this.pop(m);
      return f;
    };
    let count = 0;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) { count++; if (one(BigInt(i), v[i]) === Flow.Break) break; }
    } else if (v instanceof Map) {
      for (const k of [...v.keys()].sort()) { count++; if (one(k, v.get(k) ?? null) === Flow.Break) break; }
    } else if (typeof v === 'bigint') {
      // Go 1.22+ ranges over an int, which Loki at HEAD is built with.
      for (let i = 0n; i < v; i++) { count++; if (one(i, i) === Flow.Break) break; }
    } else if (v !== null && typeof v === 'object' && !(v instanceof GoTime) && !(v instanceof Int64)) {
      const o = v as Record<string, string>;
      for (const k of Object.keys(o).sort()) { count++; if (one(k, o[k]) === Flow.Break) break; }
    } else if (v !== null) {
      throw new TemplateError(`template: line:${p.line}: range can't iterate over ${formatV(v)}`);
    }
    this.pop(mark);
    // A {{break}} in range's else belongs to an enclosing range.
    if (count === 0 && n.elseList) return this.walk(n.elseList, dot);
    return Flow.Normal;
  }

  private pop(mark: number): void {
    this.names.length = mark;
    this.values.length = mark;
  }

  private setVar(name: string, v: Value, assign: boolean): void {
    if (assign) {
      for (let i = this.names.length - 1; i >= 0; i--) if (this.names[i] === name) { this.values[i] = v; return; }
    }
    this.names.push(name);
    this.values.push(v);
  }

  private getVar(name: string): Value {
    for (let i = this.names.length - 1; i >= 0; i--) if (this.names[i] === name) return this.values[i];
    throw new TemplateError(`undefined variable: ${name}`);
  }

  // declare is false for range, whose variables take each element instead of the whole value.
  pipe(p: Pipe, dot: Value, declare = true): Value {
    let v: Value | undefined;
    for (let i = 0; i < p.cmds.length; i++) v = this.command(p.cmds[i], dot, v, p.line);
    const r = v ?? null;
    if (declare) for (const d of p.decl) this.setVar(d, r, p.assign);
    return r;
  }

  private command(c: Cmd, dot: Value, final: Value | undefined, line: number): Value {
    const first = c.args[0];
    if (first.t === 'func') return this.call(first.name, c.args, dot, final, line);
    if (c.args.length > 1 || final !== undefined) {
      // {{ __timestamp__.Format "2006" }}: the last name in the chain is a method taking the arguments.
      if ((first.t === 'field' || first.t === 'var' || first.t === 'pipe') && first.names.length > 0) {
        const names = first.names;
        const recv = this.value({ ...first, names: names.slice(0, -1) } as Arg, dot, line);
        const m = recv instanceof GoTime ? timeMethods[names[names.length - 1]] : undefined;
        if (m) return this.method(recv as GoTime, names[names.length - 1], c.args, dot, final, line);
      }
      throw this.err(line, `can't give argument to non-function ${describeArg(first)}`);
    }
    return this.value(first, dot, line);
  }

  private value(a: Arg, dot: Value, line: number): Value {
    switch (a.t) {
      case 'dot': return dot;
      case 'field': return this.fields(dot, a.names, line);
      case 'var': return this.fields(this.getVar(a.name), a.names, line);
      case 'pipe': return this.fields(this.pipe(a.pipe, dot), a.names, line);
      case 'string': return a.value;
      case 'bool': return a.value;
      case 'number': return a.num.ideal;
      case 'nil': return null;
      case 'func': return this.call(a.name, [a], dot, undefined, line);
    }
  }

  private method(t: GoTime, name: string, args: Arg[], dot: Value, final: Value | undefined, line: number): Value {
    const m = timeMethods[name];
    const n = args.length - 1 + (final === undefined ? 0 : 1);
    if (n !== m.params.length) throw this.err(line, `wrong number of args for ${name}: want ${m.params.length} got ${n}`);
    const vals: Value[] = [];
    for (let i = 0; i < n; i++) vals.push(i + 1 < args.length ? this.arg(args[i + 1], m.params[i], dot, line) : this.check(final!, m.params[i], line));
    return m.fn(t, vals);
  }

  private fields(v: Value, names: string[], line: number): Value {
    for (const name of names) {
      if (v instanceof GoTime) {
        const m = timeMethods[name];
        if (!m) throw this.err(line, `can't evaluate field ${name} in type time.Time`);
        if (m.params.length > 0) throw this.err(line, `wrong number of args for ${name}: want ${m.params.length} got 0`);
        v = m.fn(v, []);
        continue;
      }
      if (v instanceof Map) { v = v.get(name) ?? null; continue; }
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof GoTime) && !(v instanceof Int64)) {
        const o = v as Record<string, string>;
        v = Object.hasOwn(o, name) ? o[name] : '';
        continue;
      }
      if (v === null) throw this.err(line, `nil pointer evaluating interface {}.${name}`);
      throw this.err(line, `can't evaluate field ${name} in type ${typeName(v)}`);
    }
    return v;
  }

  private call(name: string, args: Arg[], dot: Value, final: Value | undefined, line: number): Value {
    const n = args.length - 1 + (final === undefined ? 0 : 1);
    // and/or evaluate lazily and return an operand, not a bool.
    if (name === 'and' || name === 'or') {
      if (n < 1) throw this.err(line, `wrong number of args for ${name}: want at least 1 got 0`);
      let v: Value = null;
      for (let i = 1; i <= n; i++) {
        v = i < args.length ? this.value(args[i], dot, line) : final!;
        if (truth(v) !== (name === 'and')) return v;
      }
      return v;
    }
    const f = this.funcs[name];
    const np = f.params.length;
    if (f.variadic ? n < np : n !== np) {
      throw this.err(line, `wrong number of args for ${name}: want ${f.variadic ? 'at least ' : ''}${np} got ${n}`);
    }
    const vals: Value[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const want: Param = i < np ? f.params[i] : f.variadic!;
      vals[i] = i + 1 < args.length ? this.arg(args[i + 1], want, dot, line) : this.check(final!, want, line);
    }
    try {
      return f.fn(vals, this.ctx);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw this.err(line, `error calling ${name}: ${msg}`, e);
    }
  }

  private arg(a: Arg, want: Param, dot: Value, line: number): Value {
    if (a.t === 'number') {
      const num = a.num;
      switch (want) {
        case 'int': if (!num.isInt) throw this.err(line, `expected integer; found ${num.text}`); return num.int;
        case 'float': return num.float;
        case 'any': return num.ideal;
        case 'time': throw this.err(line, `can't handle ${num.text} for arg of type time.Time`);
        default: throw this.err(line, `expected ${want}; found ${num.text}`);
      }
    }
    if (a.t === 'nil') {
      if (want === 'any') return null;
      throw this.err(line, `cannot assign nil to ${goType(want)}`);
    }
    if (a.t === 'string' && want === 'time') throw this.err(line, `can't handle ${JSON.stringify(a.value)} for arg of type time.Time`);
    if (a.t === 'string' && want !== 'string' && want !== 'any') throw this.err(line, `expected ${want === 'int' ? 'integer' : goType(want)}; found ${JSON.stringify(a.value)}`);
    return this.check(this.value(a, dot, line), want, line);
  }

  private check(v: Value, want: Param, line: number): Value {
    let ok = true;
    switch (want) {
      case 'any': return v;
      case 'string': ok = typeof v === 'string'; break;
      case 'int': ok = typeof v === 'bigint'; break;
      case 'float': ok = typeof v === 'number'; break;
      case 'time': ok = v instanceof GoTime; break;
    }
    if (ok) return v;
    if (v === null) throw this.err(line, `invalid value; expected ${goType(want)}`);
    throw this.err(line, `wrong type for value; expected ${goType(want)}; got ${typeName(v)}`);
  }

  private err(line: number, msg: string, cause?: unknown): TemplateError {
    return new TemplateError(`template: line:${line}: ${msg}`, cause === undefined ? undefined : { cause });
  }
}

const goType = (p: Param) => (p === 'time' ? 'time.Time' : p === 'float' ? 'float64' : p);

function describeArg(a: Arg): string {
  switch (a.t) {
    case 'field': return '.' + a.names.join('.');
    case 'var': return a.name + a.names.map((n) => '.' + n).join('');
    case 'string': return JSON.stringify(a.value);
    case 'number': return a.num.text;
    case 'bool': return String(a.value);
    case 'dot': return '.';
    case 'nil': return 'nil';
    default: return '(pipeline)';
  }
}
