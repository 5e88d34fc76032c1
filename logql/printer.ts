// Prints a LogQL tree back as canonical LogQL: parse(print(parse(q))) equals parse(q).
import type { BinaryExpr, Expr, Grouping, LabelFilter, LogExpr, SampleExpr, Stage, Unwrap } from './ast.ts';
import type { Matcher } from '../model/matchers.ts';
import { quote } from '../model/labels.ts';
import { formatDuration } from './parser/units.ts';

const str = quote;
const matcher = (m: Matcher) => `${m.name}${m.op}${str(m.value)}`;
const selector = (ms: Matcher[]) => `{${ms.map(matcher).join(', ')}}`;

function labelFilter(f: LabelFilter, parent?: 'and' | 'or'): string {
  switch (f.kind) {
    case 'and':
    case 'or': {
      const s = `${labelFilter(f.left, f.kind)} ${f.kind} ${labelFilter(f.right, f.kind)}`;
      return parent && parent !== f.kind ? `(${s})` : s;
    }
    case 'string':
      return matcher(f.matcher);
    case 'ip':
      return `${f.name}${f.op}ip(${str(f.value)})`;
    default:
      return `${f.name}${f.op}${f.literal}`;
  }
}

const params = (ps: Array<{ label: string; expr: string }>) => (ps.length ? ' ' + ps.map((p) => `${p.label}=${str(p.expr)}`).join(', ') : '');

function stage(s: Stage): string {
  switch (s.type) {
    case 'lineFilter':
      return `${s.op} ${s.values.map((v) => (v.kind === 'ip' ? `ip(${str(v.value)})` : str(v.value))).join(' or ')}`;
    case 'json':
      return `| json${params(s.params)}`;
    case 'logfmt':
      return `| logfmt${s.strict ? ' --strict' : ''}${s.keepEmpty ? ' --keep-empty' : ''}${params(s.params)}`;
    case 'regexp':
      return `| regexp ${str(s.pattern)}`;
    case 'pattern':
      return `| pattern ${str(s.pattern)}`;
    case 'unpack':
      return '| unpack';
    case 'decolorize':
      return '| decolorize';
    case 'lineFormat':
      return `| line_format ${str(s.template)}`;
    case 'labelFormat':
      return `| label_format ${s.items.map((i) => (i.kind === 'rename' ? `${i.dst}=${i.src}` : `${i.dst}=${str(i.template)}`)).join(', ')}`;
    case 'drop':
    case 'keep':
      return `| ${s.type} ${s.items.map((i) => (i.kind === 'name' ? i.name : matcher(i.matcher))).join(', ')}`;
    case 'labelFilter':
      return `| ${labelFilter(s.filter)}`;
  }
}

const log = (e: LogExpr) => [selector(e.matchers), ...e.pipeline.map(stage)].join(' ');

function unwrap(u: Unwrap): string {
  const target = u.conversion ? `${u.conversion}(${u.label})` : u.label;
  return [`| unwrap ${target}`, ...u.postFilters.map((f) => `| ${labelFilter(f)}`)].join(' ');
}

const grouping = (g: Grouping | undefined) => (g ? ` ${g.without ? 'without' : 'by'} (${g.labels.join(', ')})` : '');

const PRECEDENCE: Record<string, number> = { or: 1, and: 2, unless: 2, '==': 3, '!=': 3, '>': 3, '>=': 3, '<': 3, '<=': 3, '+': 4, '-': 4, '*': 5, '/': 5, '%': 5, '^': 6 };

const number = (n: number) => (Number.isNaN(n) ? 'NaN' : n === Infinity ? 'Inf' : n === -Infinity ? '-Inf' : String(n));

function binary(e: BinaryExpr): string {
  const p = PRECEDENCE[e.op];
  const rightAssoc = e.op === '^';
  const side = (x: SampleExpr, isRight: boolean) => {
    const s = sample(x);
    if (x.kind === 'literal' && x.value < 0) return `(${s})`;
    if (x.kind !== 'binary') return s;
    const q = PRECEDENCE[x.op];
    const wrap = q < p || (q === p && (isRight ? !rightAssoc : rightAssoc));
    return wrap ? `(${s})` : s;
  };
  let op = e.op as string;
  if (e.bool) op += ' bool';
  if (e.matching) {
    op += ` ${e.matching.on ? 'on' : 'ignoring'} (${e.matching.labels.join(', ')})`;
    if (e.matching.group) op += ` group_${e.matching.group.side} (${e.matching.group.include.join(', ')})`;
  }
  return `${side(e.left, false)} ${op} ${side(e.right, true)}`;
}

function sample(e: SampleExpr): string {
  switch (e.kind) {
    case 'literal':
      return number(e.value);
    case 'vectorLiteral':
      return `vector(${number(e.value)})`;
    case 'range': {
      const r = e.range;
      const inner = `${log(r.log)}${r.unwrap ? ' ' + unwrap(r.unwrap) : ''} [${formatDuration(r.range)}]${r.offset ? ` offset ${formatDuration(r.offset)}` : ''}`;
      return `${e.op}(${e.param !== undefined ? `${number(e.param)}, ` : ''}${inner})${grouping(e.grouping)}`;
    }
    case 'vector':
      return `${e.op}${grouping(e.grouping)}(${e.param !== undefined ? `${number(e.param)}, ` : ''}${sample(e.inner)})`;
    case 'binary':
      return binary(e);
    case 'labelReplace':
      return `label_replace(${sample(e.inner)}, ${str(e.dst)}, ${str(e.replacement)}, ${str(e.src)}, ${str(e.regex)})`;
  }
}

export const printExpr = (e: Expr): string => (e.kind === 'log' ? log(e) : sample(e));
