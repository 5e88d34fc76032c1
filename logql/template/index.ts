// Go text/template for LogQL's line_format and label_format: compile once, render per log line.
import { Exec } from './exec.ts';
import { fieldsOf } from './fields.ts';
import { functions } from './funcs/index.ts';
import { parse } from './parser.ts';
import { ParseError, TemplateError } from './errors.ts';

export { TemplateError };

export interface Template {
  render(ctx: { labels: Record<string, string>; line: string; ts: bigint }): string;
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
    return { render: () => text };
  }
  return {
    render(ctx) {
      return new Exec(functions, ctx, src, name).run(tree);
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
