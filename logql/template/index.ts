// Go text/template for LogQL's line_format and label_format: compile once, render per log line.
import { Exec } from './exec.ts';
import { functions } from './funcs/index.ts';
import { parse } from './parser.ts';
import { TemplateError } from './errors.ts';

export { TemplateError };

export interface Template {
  render(ctx: { labels: Record<string, string>; line: string; ts: bigint }): string;
}

export function compileTemplate(src: string): Template {
  const tree = parse(src, (name) => Object.hasOwn(functions, name));
  // A template that is only text needs no walk.
  if (tree.length === 0) return { render: () => '' };
  if (tree.length === 1 && tree[0].t === 'text') {
    const text = tree[0].text;
    return { render: () => text };
  }
  return {
    render(ctx) {
      return new Exec(functions, ctx).run(tree);
    },
  };
}
