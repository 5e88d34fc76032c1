// Which series of one index file a set of label matchers selects: `=` through the postings,
// `!=`, `=~` and `!~` by testing the label's values (RE2, fully anchored); a matcher that
// accepts "" also selects series without the label, as in Prometheus and Loki.
import { compileMatcher, compileMatchers, type Matcher } from '../../model/matchers.ts';
import type { Labels } from '../../model/labels.ts';
import type { SeriesTable } from './series-table.ts';

export function matchingSeries(table: SeriesTable, matchers: Matcher[]): Array<{ fp: string; labels: Labels }> {
  let candidates: Set<string> | undefined;
  for (const m of matchers) {
    const test = compileMatcher(m);
    if (test('')) continue; // can match a missing label: settled below on the full label set
    const fps = m.op === '=' ? table.fingerprints(m.name, m.value) : table.values(m.name).filter(test).flatMap((v) => table.fingerprints(m.name, v));
    if (!candidates) candidates = new Set(fps);
    else {
      const next = new Set<string>();
      for (const fp of fps) if (candidates.has(fp)) next.add(fp);
      candidates = next;
    }
    if (candidates.size === 0) return [];
  }
  const rows = candidates
    ? [...candidates].flatMap((fp) => {
        const labels = table.labels(fp);
        return labels ? [{ fp, labels }] : [];
      })
    : table.all();
  const all = compileMatchers(matchers);
  return rows.filter((r) => all(r.labels));
}
