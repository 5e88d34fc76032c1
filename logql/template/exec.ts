// Walks the parsed tree against one line's labels: Go's evaluation rules for fields, pipelines, variables and branches.
import { type Arg, type Branch, type Cmd, type ErrNode, type FuncArg, type Node, type NumberLit, type Pipe, argString, nodeString } from './ast.ts';
import type { Deadline } from '../eval/deadline.ts';
import { TemplateError } from './errors.ts';
import type { FuncMap, Param, RenderCtx } from './funcs/types.ts';
import { outputTooLarge, tooLarge } from './limits.ts';
import { timeMethods } from './methods.ts';
import { GoTime, Int64, type Value, formatV, truth, typeName } from './values.ts';

const enum Flow { Normal, Break, Continue }

// Go's nil interface{}: what a fromJson map holds for null or a missing key, and a JSON array for null.
// A pipeline turns it into "no value", but a field of it fails and a typed argument refuses it.
const NIL = Symbol('nil interface');
type Val = Value | typeof NIL;

const unwrapNil = (v: Val): Value => (v === NIL ? null : v);
const elem = (v: Value): Val => (v === null ? NIL : v);

export class Exec {
  private names: string[] = ['$'];
  private values: Val[];
  // The node being evaluated, as Go's state.at: execution errors point at it.
  private node: ErrNode | null = null;
  out = '';
  /** `max`: the most bytes the output, or any string a function returns, may have. */
  constructor(
    private funcs: FuncMap,
    private ctx: RenderCtx,
    private src: string,
    private name: string,
    private max: number,
    private deadline: Deadline | undefined,
  ) {
    this.values = [ctx.labels];
  }

  run(nodes: Node[]): string {
    try {
      this.walk(nodes, this.ctx.labels);
      // walk bounds code units; bytes are counted only when the output might be up to 3 per unit
      if (this.out.length * 3 > this.max && Buffer.byteLength(this.out) > this.max) throw outputTooLarge(this.name, this.max);
      return this.out;
    } finally {
      // building a long output is long work (a line's worth per KB), failed or not: it brings the
      // next look at the clock closer than one line would
      this.deadline?.tick(this.out.length >> 10);
    }
  }

  // Stops writing once the output is surely too long (a code unit is at least a byte), so a range or
  // a run of actions cannot build more than one bounded piece past the limit.
  private write(s: string): void {
    this.out += s;
    if (this.out.length > this.max) throw outputTooLarge(this.name, this.max);
  }

  private walk(nodes: Node[], dot: Val): Flow {
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      switch (n.t) {
        case 'text': this.write(n.text); break;
        case 'action': {
          const v = this.pipe(n.pipe, dot);
          if (n.pipe.decl.length === 0) this.write(v === null ? '<no value>' : formatV(v));
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

  private range(n: Branch, dot: Val): Flow {
    const mark = this.names.length;
    const p = n.pipe;
    const v = this.pipe(p, dot, false);
    const decl = p.decl;
    const one = (k: Value, e: Val): Flow => {
      this.deadline?.tick();
      const m = this.names.length;
      if (decl.length === 1) this.setVar(decl[0], e, p.assign);
      else if (decl.length === 2) { this.setVar(decl[0], k, p.assign); this.setVar(decl[1], e, p.assign); }
      const f = this.walk(n.list, e);
      this.pop(m);
      return f;
    };
    let count = 0;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) { count++; if (one(BigInt(i), elem(v[i])) === Flow.Break) break; }
    } else if (v instanceof Map) {
      for (const k of [...v.keys()].sort()) { count++; if (one(k, elem(v.get(k) ?? null)) === Flow.Break) break; }
    } else if (isLabels(v)) {
      for (const k of Object.keys(v).sort()) { count++; if (one(k, v[k]) === Flow.Break) break; }
    } else if (v !== null) {
      // Loki 2.8 is built with Go 1.21, whose range does not count up to an int.
      throw this.err(`range can't iterate over ${formatV(v)}`);
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

  private setVar(name: string, v: Val, assign: boolean): void {
    if (assign) {
      for (let i = this.names.length - 1; i >= 0; i--) if (this.names[i] === name) { this.values[i] = v; return; }
    }
    this.names.push(name);
    this.values.push(v);
  }

  private getVar(name: string): Val {
    for (let i = this.names.length - 1; i >= 0; i--) if (this.names[i] === name) return this.values[i];
    throw this.err(`undefined variable: ${name}`);
  }

  // declare is false for range, whose variables take each element instead of the whole value.
  private pipe(p: Pipe, dot: Val, declare = true): Value {
    this.node = p;
    let v: Val | undefined;
    // Each command's result loses its interface{} wrapping, so a nil becomes "no value".
    for (let i = 0; i < p.cmds.length; i++) v = unwrapNil(this.command(p.cmds[i], dot, v));
    const r = unwrapNil(v ?? null);
    if (declare) for (const d of p.decl) this.setVar(d, r, p.assign);
    return r;
  }

  private command(c: Cmd, dot: Val, final: Val | undefined): Val {
    const first = c.args[0];
    switch (first.t) {
      case 'field':
        this.node = first;
        return this.fieldChain(dot, dot, first.names, c.args, final);
      case 'chain': {
        this.node = first;
        const recv = this.chainBase(first.node, dot);
        return this.fieldChain(dot, recv, first.names, c.args, final);
      }
      case 'func':
        return this.call(first, c, c.args, dot, final);
      case 'pipe':
        this.notAFunction(c.args, final);
        return this.pipe(first.pipe, dot);
      case 'var': {
        this.node = first;
        const v = this.getVar(first.name);
        if (first.names.length === 0) { this.notAFunction(c.args, final); return v; }
        return this.fieldChain(dot, v, first.names, c.args, final);
      }
    }
    this.node = first;
    this.notAFunction(c.args, final);
    switch (first.t) {
      case 'dot': return dot;
      case 'string': case 'bool': return first.value;
      case 'number': return this.ideal(first.num);
      case 'nil': throw this.err('nil is not a command');
    }
  }

  // A number where no parameter type says what it must be: the literal decides.
  private ideal(num: NumberLit): Value {
    if (num.overflows) throw this.err(`${num.text} overflows int`);
    return num.ideal;
  }

  private notAFunction(args: Arg[], final: Val | undefined): void {
    if (args.length > 1 || final !== undefined) throw this.err(`can't give argument to non-function ${argString(args[0])}`);
  }

  // What a chain's fields apply to: a function's result or a parenthesized pipeline's.
  private chainBase(n: FuncArg | { t: 'pipe'; pipe: Pipe; pos: number }, dot: Val): Val {
    this.node = n;
    if (n.t === 'pipe') return this.pipe(n.pipe, dot);
    return unwrapNil(this.call(n, n, [n], dot, undefined));
  }

  private fieldChain(dot: Val, recv: Val, names: string[], args: Arg[] | null, final: Val | undefined): Val {
    for (let i = 0; i < names.length - 1; i++) recv = this.field(dot, names[i], null, undefined, recv);
    return this.field(dot, names[names.length - 1], args, final, recv);
  }

  // Go's evalField: a method of a time.Time, a key of a map, or an error; missing keys give the zero value.
  private field(dot: Val, name: string, args: Arg[] | null, final: Val | undefined, recv: Val): Val {
    // Nothing at all (a pipeline's nil): no value, no error.
    if (recv === null) return null;
    if (recv === NIL) throw this.err(`nil pointer evaluating interface {}.${name}`);
    if (recv instanceof GoTime && Object.hasOwn(timeMethods, name)) return this.method(recv, name, args, dot, final);
    const hasArgs = (args !== null && args.length > 1) || final !== undefined;
    if (recv instanceof Map) {
      if (hasArgs) throw this.err(`${name} is not a method but has arguments`);
      return elem(recv.get(name) ?? null);
    }
    if (isLabels(recv)) {
      if (hasArgs) throw this.err(`${name} is not a method but has arguments`);
      return Object.hasOwn(recv, name) ? recv[name] : '';
    }
    throw this.err(`can't evaluate field ${name} in type ${typeName(recv)}`);
  }

  private method(t: GoTime, name: string, args: Arg[] | null, dot: Val, final: Val | undefined): Value {
    const m = timeMethods[name];
    const given = args === null ? [] : args.slice(1);
    const n = given.length + (final === undefined ? 0 : 1);
    if (n !== m.params.length) throw this.err(`wrong number of args for ${name}: want ${m.params.length} got ${n}`);
    const vals: Value[] = given.map((a, i) => this.arg(a, m.params[i], dot));
    if (final !== undefined) vals.push(this.check(final, m.params[n - 1]));
    return m.fn(t, vals);
  }

  // callNode is where "error calling" points: the command, or the function's name when it is an argument.
  private call(fn: FuncArg, callNode: ErrNode, args: Arg[], dot: Val, final: Val | undefined): Val {
    this.node = fn;
    const name = fn.name;
    const given = args.length - 1;
    const n = given + (final === undefined ? 0 : 1);
    const f = this.funcs[name];
    const np = f.params.length;
    if (f.variadic ? n < np : n !== np) {
      throw this.err(f.variadic ? `wrong number of args for ${name}: want at least ${np} got ${given}` : `wrong number of args for ${name}: want ${np} got ${n}`);
    }
    // and/or evaluate lazily and return an operand, not a bool.
    if (name === 'and' || name === 'or') {
      let v: Value = null;
      for (let i = 1; i < args.length; i++) {
        v = this.arg(args[i], 'any', dot);
        if (truth(v) === (name === 'or')) return v;
      }
      return final === undefined ? v : unwrapNil(final);
    }
    const vals: Value[] = new Array(n);
    for (let i = 0; i < given; i++) vals[i] = this.arg(args[i + 1], i < np ? f.params[i] : f.variadic!, dot);
    if (final !== undefined) vals[n - 1] = this.check(final, n - 1 < np ? f.params[n - 1] : f.variadic!);
    try {
      const r = f.fn(vals, this.ctx, this.max);
      // what a function builds by a constant factor (b64enc, html, ...) stops here, before the next one grows it
      if (typeof r === 'string' && r.length > this.max) throw tooLarge(this.max);
      return r;
    } catch (e) {
      this.node = callNode;
      throw this.err(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`, e);
    }
  }

  // Go's evalArg: literals must already have the parameter's type; other operands are evaluated, then checked.
  private arg(a: Arg, want: Param, dot: Val): Value {
    this.node = a;
    switch (a.t) {
      case 'dot': return this.check(dot, want);
      case 'nil':
        if (want === 'any') return null;
        throw this.err(`cannot assign nil to ${goType(want)}`);
      case 'field': return this.check(this.fieldChain(dot, dot, a.names, [a], undefined), want);
      case 'var': return this.check(a.names.length ? this.fieldChain(dot, this.getVar(a.name), a.names, null, undefined) : this.getVar(a.name), want);
      case 'pipe': return this.check(this.pipe(a.pipe, dot), want);
      case 'func': return this.check(this.call(a, a, [a], dot, undefined), want);
      case 'chain': return this.check(this.fieldChain(dot, this.chainBase(a.node, dot), a.names, null, undefined), want);
    }
    switch (want) {
      case 'any': return a.t === 'number' ? this.ideal(a.num) : a.value;
      case 'int':
        if (a.t === 'number' && a.num.isInt) return a.num.int;
        throw this.err(`expected integer; found ${argString(a)}`);
      case 'float':
        if (a.t === 'number') return a.num.float;
        throw this.err(`expected float; found ${argString(a)}`);
      case 'string':
        if (a.t === 'string') return a.value;
        throw this.err(`expected string; found ${argString(a)}`);
      case 'time': throw this.err(`can't handle ${argString(a)} for arg of type time.Time`);
    }
  }

  // Go's validateType: nothing at all only fits interface{}; a nil interface{} fits nowhere else either.
  private check(v: Val, want: Param): Value {
    if (want === 'any') return unwrapNil(v);
    if (v === null) throw this.err(`invalid value; expected ${goType(want)}`);
    if (v === NIL) throw this.err(`wrong type for value; expected ${goType(want)}; got interface {}`);
    let ok = true;
    switch (want) {
      case 'string': ok = typeof v === 'string'; break;
      case 'int': ok = typeof v === 'bigint'; break;
      case 'float': ok = typeof v === 'number'; break;
      case 'time': ok = v instanceof GoTime; break;
    }
    if (ok) return v;
    throw this.err(`wrong type for value; expected ${goType(want)}; got ${typeName(v)}`);
  }

  // Go's "template: NAME:LINE:COL: executing "NAME" at <NODE>: msg"; COL counts bytes from 0.
  private err(msg: string, cause?: unknown): TemplateError {
    const opts = cause === undefined ? undefined : { cause };
    const n = this.node;
    if (!n) return new TemplateError(`template: ${this.name}: ${msg}`, opts);
    const before = this.src.slice(0, n.pos);
    const nl = before.lastIndexOf('\n');
    const line = before.split('\n').length;
    const col = Buffer.byteLength(nl < 0 ? before : before.slice(nl + 1));
    return new TemplateError(`template: ${this.name}:${line}:${col}: executing "${this.name}" at <${nodeString(n)}>: ${msg}`, opts);
  }
}

const goType = (p: Param) => (p === 'time' ? 'time.Time' : p === 'float' ? 'float64' : p);

// The labels map (map[string]string): a plain object, unlike a fromJson map.
const isLabels = (v: Val): v is Record<string, string> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof GoTime) && !(v instanceof Int64);
