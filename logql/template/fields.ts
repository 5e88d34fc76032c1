// The fields a template reads (`.level` in `{{ .level | upper }}`), as Loki lists them to know
// which labels a query needs: fields in actions, in parenthesized pipelines and in if/with/range.
import type { Arg, Node, Pipe } from './ast.ts';

function fromArgs(args: Arg[], out: string[]): void {
  for (const a of args) {
    if (a.t === 'field') out.push(...a.names);
    else if (a.t === 'pipe') fromPipe(a.pipe, out);
  }
}

function fromPipe(p: Pipe, out: string[]): void {
  for (const c of p.cmds) fromArgs(c.args, out);
}

export function fieldsOf(nodes: Node[], out: string[] = []): string[] {
  for (const n of nodes) {
    if (n.t === 'action') fromPipe(n.pipe, out);
    else if (n.t === 'if' || n.t === 'with' || n.t === 'range') {
      fromPipe(n.pipe, out);
      fieldsOf(n.list, out);
      if (n.elseList) fieldsOf(n.elseList, out);
    }
  }
  return out;
}
