// The parsed template: a tree of text, actions and control structures, built once and walked per line.
import type { Value } from './values.ts';

export interface NumberLit {
  isInt: boolean; int: bigint; isFloat: boolean; float: number; text: string;
  // The value an interface{} argument receives: int when the text is integral, else float64.
  ideal: Value;
}

export type Arg =
  | { t: 'field'; names: string[] }
  | { t: 'dot' }
  | { t: 'var'; name: string; names: string[] }
  | { t: 'func'; name: string }
  | { t: 'string'; value: string }
  | { t: 'bool'; value: boolean }
  | { t: 'number'; num: NumberLit }
  | { t: 'nil' }
  | { t: 'pipe'; pipe: Pipe; names: string[] };

export interface Cmd { args: Arg[] }
export interface Pipe { decl: string[]; assign: boolean; cmds: Cmd[]; line: number }

export type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipe: Pipe }
  | Branch
  | { t: 'break' | 'continue' };

export interface Branch { t: 'if' | 'with' | 'range'; pipe: Pipe; list: Node[]; elseList: Node[] | null }
