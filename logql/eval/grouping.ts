// Grouping of series for aggregations: by (...) keeps the named labels, without (...) drops them.
import type { Grouping } from '../ast.ts';
import { labelsKey, type Labels } from '../../model/labels.ts';
import type { StepSeries } from './steps.ts';

export function groupLabels(labels: Labels, g: Grouping | undefined): Labels {
  if (!g) return [];
  const names = new Set(g.labels);
  return g.without ? labels.filter(([n]) => !names.has(n)) : labels.filter(([n]) => names.has(n));
}

/** Series gathered by their grouping labels, in first-seen order. */
export function groupSeries(series: StepSeries[], g: Grouping | undefined): Array<{ labels: Labels; members: StepSeries[] }> {
  const groups = new Map<string, { labels: Labels; members: StepSeries[] }>();
  for (const s of series) {
    const labels = groupLabels(s.labels, g);
    const k = labelsKey(labels);
    const at = groups.get(k);
    if (at) at.members.push(s);
    else groups.set(k, { labels, members: [s] });
  }
  return [...groups.values()];
}
