// by (...) keeps the named labels; without (...) drops them (and __error__ details).
import type { Grouping } from '../ast.ts';
import type { Labels } from '../batch.ts';

export function groupLabels(labels: Labels, g: Grouping | undefined): Labels {
  if (!g) return [];
  const names = new Set(g.labels);
  return g.without ? labels.filter(([n]) => !names.has(n)) : labels.filter(([n]) => names.has(n));
}
