// Go text/template for LogQL's line_format and label_format: compile once, render per log line.
import { Exec } from './exec.ts';
import { fieldsOf } from './fields.ts';
import { functions } from './funcs/index.ts';
import { parse } from './parser.ts';
import { ParseError, TemplateError } from './errors.ts';
import { MAX_LINE_SIZE, outputTooLarge } from './limits.ts';
import type { Deadline } from '../eval/deadline.ts';

export { TemplateError };

export interface RenderOptions {
  /** limits_config.max_line_size: a longer result is a TemplateError; MAX_LINE_SIZE when absent or 0. */
  maxLineSize?: number;
  /** Looked at while ranging, so that one line's long loop still stops at the query's deadline. */
  deadline?: Deadline;
}

export interface Template {
  /** Pass one options object for all lines: it is read, never copied. */
  render(ctx: { labels: Record<string, string>; line: string; ts: bigint }, opts?: RenderOptions): string;
}

/** name is the Go template's name, which its errors show: Loki says "line" for line_format, "label" for label_format. */
export function compileTemplate(src: string, name = 'line'): Template {
  let tree;
  try {
    tree = parse(src, (fn) => Object.hasOwn(functions, fn));
  } catch (err) {
    if (err instanceof ParseError) throw new TemplateError(`template: ${name}:${err.line}: ${err.detail}`);
    throw err;
  }
  // A template that is only text needs no walk.
  if (tree.length === 0) return { render: () => '' };
  if (tree.length === 1 && tree[0].t === 'text') {
    const text = tree[0].text;
    const bytes = Buffer.byteLength(text);
    return {
      render(_, opts) {
        const max = opts?.maxLineSize || MAX_LINE_SIZE;
        if (bytes > max) throw outputTooLarge(name, max);
        return text;
      },
    };
  }
  return {
    render(ctx, opts) {
      return new Exec(functions, ctx, src, name, opts?.maxLineSize || MAX_LINE_SIZE, opts?.deadline).run(tree);
    },
  };
}

/** The fields a template reads; none when it does not parse (compiling it reports that). */
export function templateFields(src: string): string[] {
  try {
    return fieldsOf(parse(src, (fn) => Object.hasOwn(functions, fn)));
  } catch (err) {
    if (err instanceof ParseError) return [];
    throw err;
  }
}
