// label_replace(v, dst, replacement, src, regex): Prometheus' function, with Go's regexp rules:
// the regex must match all of src (RE2, anchored), and the replacement expands $1, ${1}, $name, $$
// as Go's Regexp.Expand does (so "$1x" names a group "1x" and expands to nothing).
import RE2 from 're2';
import type { LabelReplaceExpr } from '../ast.ts';
import { sortLabels, type Labels } from '../../model/labels.ts';
import { QueryError } from '../errors.ts';
import type { StepSeries } from './steps.ts';

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/** Go's Regexp.Expand of `template` for a match `m` (m[0] the whole match, m.groups the named ones). */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  let out = '';
  let t = template;
  for (;;) {
    const at = t.indexOf('$');
    if (at < 0) break;
    out += t.slice(0, at);
    t = t.slice(at + 1);
    if (t[0] === '$') {
      out += '$';
      t = t.slice(1);
      continue;
    }
    const brace = t[0] === '{';
    let i = brace ? 1 : 0;
    const chars = [...t.slice(i)];
    let name = '';
    for (const ch of chars) {
      if (!NAME_CHAR.test(ch)) break;
      name += ch;
    }
    i += name.length;
    if (name === '' || (brace && t[i] !== '}')) {
      out += '$'; // malformed: the dollar stays as text
      continue;
    }
    if (brace) i++;
    t = t.slice(i);
    const num = /^[0-9]+$/.test(name) && name.length <= 9 && !(name[0] === '0' && name.length > 1) ? Number(name) : -1;
    if (num >= 0) out += num < m.length ? (m[num] ?? '') : '';
    else out += m.groups?.[name] ?? '';
  }
  return out + t;
}

export function labelReplacer(e: LabelReplaceExpr): (s: StepSeries) => StepSeries {
  let re: RE2;
  try {
    re = new RE2(`^(?:${e.regex})$`, 'u');
  } catch (err) {
    throw new QueryError(`invalid regular expression in label_replace(): ${e.regex}: ${(err as Error).message}`);
  }
  return (s) => {
    const src = s.labels.find(([n]) => n === e.src)?.[1] ?? '';
    const m = re.exec(src);
    if (!m) return s;
    const value = expandTemplate(e.replacement, m);
    const rest = s.labels.filter(([n]) => n !== e.dst);
    const labels: Labels = value === '' ? rest : sortLabels([...rest, [e.dst, value]]);
    return { labels, values: s.values };
  };
}
