// The parsed template: a tree of text, actions and control structures, built once and walked per line.
// Nodes keep where they start (pos, an index into the source) and print back as Go prints them,
// because Go names both in an execution error: `line:1:3: executing "line" at <div .status 0>`.
import type { Value } from './values.ts';

export interface NumberLit {
  isInt: boolean; int: bigint; isFloat: boolean; float: number; text: string;
  // An integer in uint64 but not int64: Go refuses to make an int of it when it runs.
  overflows: boolean;
  // The value an interface{} argument receives: int when the text is integral, else float64.
  ideal: Value;
}

export type FuncArg = { t: 'func'; name: string; pos: number };

export type Arg =
  | { t: 'field'; names: string[]; pos: number }
  | { t: 'dot'; pos: number }
  | { t: 'var'; name: string; names: string[]; pos: number }
  | FuncArg
  | { t: 'string'; value: string; quoted: string; pos: number }
  | { t: 'bool'; value: boolean; pos: number }
  | { t: 'number'; num: NumberLit; pos: number }
  | { t: 'nil'; pos: number }
  // (pipeline)
  | { t: 'pipe'; pipe: Pipe; pos: number }
  // fn.Field or (pipeline).Field: Go's ChainNode, starting at its first field.
  | { t: 'chain'; node: FuncArg | { t: 'pipe'; pipe: Pipe; pos: number }; names: string[]; pos: number };

export interface Cmd { args: Arg[]; pos: number }
export interface Pipe { decl: string[]; assign: boolean; cmds: Cmd[]; line: number; pos: number }

export type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipe: Pipe }
  | Branch
  | { t: 'break' | 'continue' };

export interface Branch { t: 'if' | 'with' | 'range'; pipe: Pipe; list: Node[]; elseList: Node[] | null }

/** What an execution error can point at. */
export type ErrNode = Arg | Cmd | Pipe;

const fields = (names: string[]) => names.map((n) => '.' + n).join('');

export function argString(a: Arg): string {
  switch (a.t) {
    case 'field': return fields(a.names);
    case 'dot': return '.';
    case 'var': return a.name + fields(a.names);
    case 'func': return a.name;
    case 'string': return a.quoted;
    case 'bool': return String(a.value);
    case 'number': return a.num.text;
    case 'nil': return 'nil';
    case 'pipe': return pipeString(a.pipe);
    case 'chain': return (a.node.t === 'pipe' ? `(${pipeString(a.node.pipe)})` : a.node.name) + fields(a.names);
  }
}

export const cmdString = (c: Cmd): string => c.args.map((a) => (a.t === 'pipe' ? `(${argString(a)})` : argString(a))).join(' ');

export const pipeString = (p: Pipe): string => (p.decl.length ? p.decl.join(', ') + ' := ' : '') + p.cmds.map(cmdString).join(' | ');

export function nodeString(n: ErrNode): string {
  if ('cmds' in n) return pipeString(n);
  if ('args' in n) return cmdString(n);
  return argString(n);
}

