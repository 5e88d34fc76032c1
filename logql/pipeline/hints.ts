// Which labels a metric query's parsers extract: Loki's parser hints. A metric query whose result
// keeps only some labels (`sum by (level) (...)`) needs only those from its parsers, and one that
// keeps none (`sum(count_over_time(... | json [5m]))`) needs no parsing at all. Loki 2.8 applies
// this, and it shows: a query that skips parsing cannot fail with a parser's pipeline error, and a
// pipeline error names only the labels that were extracted. So Muninn applies it the same way.
import type { LabelFilter, Stage } from '../ast.ts';
import { templateFields } from '../template/index.ts';

export interface ParserHints {
  /** No label is needed: parsers do nothing. */
  readonly none: boolean;
  /** Whether a parser extracts a label of this name (after its own renaming rules). */
  extract(name: string): boolean;
}

export const ALL_LABELS: ParserHints = { none: false, extract: () => true };
const NO_LABELS: ParserHints = { none: true, extract: () => false };

const SUFFIX = '_extracted';

/** The labels a label filter reads. */
export function filterNames(f: LabelFilter, out: string[] = []): string[] {
  switch (f.kind) {
    case 'and':
    case 'or':
      filterNames(f.left, out);
      filterNames(f.right, out);
      break;
    case 'string':
      out.push(f.matcher.name);
      break;
    default:
      out.push(f.name);
  }
  return out;
}

/** The labels the stages read (Loki's RequiredLabelNames). */
export function requiredLabelNames(stages: Stage[]): string[] {
  const out: string[] = [];
  for (const s of stages) {
    if (s.type === 'labelFilter') filterNames(s.filter, out);
    else if (s.type === 'lineFormat') out.push(...templateFields(s.template));
    else if (s.type === 'labelFormat')
      for (const it of s.items) {
        if (it.kind === 'rename') out.push(it.src);
        else out.push(...templateFields(it.template));
      }
  }
  return out;
}

/**
 * Loki's rule: the required labels, the grouping's and the unwrapped one are extracted when the
 * result keeps only grouped labels; nothing when it keeps none and nothing is required; all when it
 * groups `without` or not at all. A required name ending in `_extracted` also asks for its base name.
 */
export function parserHints(required: string[], groups: string[], without: boolean, noLabels: boolean, unwrapLabel?: string): ParserHints {
  const names = new Set<string>();
  for (const n of [...required, ...groups, ...(unwrapLabel === undefined ? [] : [unwrapLabel])]) {
    names.add(n);
    if (n.endsWith(SUFFIX)) names.add(n.slice(0, -SUFFIX.length));
  }
  if (noLabels) return names.size ? { none: false, extract: (n) => names.has(n) } : NO_LABELS;
  if (without || groups.length === 0) return ALL_LABELS;
  return { none: false, extract: (n) => names.has(n) };
}
