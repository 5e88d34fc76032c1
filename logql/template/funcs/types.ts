// How a template function declares its Go signature, so arguments are checked and converted as Go would.
import type { Value } from '../values.ts';

export type Param = 'string' | 'int' | 'float' | 'time' | 'any';

export interface RenderCtx { labels: Record<string, string>; line: string; ts: bigint }

export interface FuncDef {
  params: Param[];
  variadic?: Param;
  /** `max`: the most bytes the result may have; a function that can build more refuses first (see limits.ts). */
  fn: (args: Value[], ctx: RenderCtx, max: number) => Value;
}

export type FuncMap = Record<string, FuncDef>;

// Shorthand for a fixed signature.
export const def = (params: Param[], fn: FuncDef['fn'], variadic?: Param): FuncDef => ({ params, fn, variadic });
