// An ingester's streams by tenant, label name and value, as Loki's ingester indexes them, so a
// query looks at the streams its selector can match instead of every stream of every tenant: a
// matcher the empty value cannot pass (`app="x"`, `app=~"a|b"`) names its streams through the
// index, each distinct value tested once; the rest of the selector filters what they name.
import type { Labels } from '../../model/labels.ts';
import { compileEach, matchesAll, type Matcher } from '../../model/matchers.ts';

interface Indexed {
  tenant: string;
  labels: Labels;
}

interface TenantIndex<S> {
  all: Set<S>;
  /** name -> value -> streams with that value. */
  byLabel: Map<string, Map<string, Set<S>>>;
}

export class StreamIndex<S extends Indexed> {
  private tenants = new Map<string, TenantIndex<S>>();

  add(s: S): void {
    let t = this.tenants.get(s.tenant);
    if (!t) this.tenants.set(s.tenant, (t = { all: new Set(), byLabel: new Map() }));
    t.all.add(s);
    for (const [name, value] of s.labels) {
      let values = t.byLabel.get(name);
      if (!values) t.byLabel.set(name, (values = new Map()));
      let set = values.get(value);
      if (!set) values.set(value, (set = new Set()));
      set.add(s);
    }
  }

  remove(s: S): void {
    const t = this.tenants.get(s.tenant);
    if (!t?.all.delete(s)) return;
    for (const [name, value] of s.labels) {
      const values = t.byLabel.get(name);
      const set = values?.get(value);
      set?.delete(s);
      if (set?.size === 0) values!.delete(value);
      if (values?.size === 0) t.byLabel.delete(name);
    }
    if (t.all.size === 0) this.tenants.delete(s.tenant);
  }

  /** The tenant's streams whose labels every matcher accepts. */
  select(tenant: string, matchers: ReadonlyArray<Matcher>): S[] {
    const t = this.tenants.get(tenant);
    if (!t) return [];
    const tests = compileEach(matchers);
    let candidates: Set<S> | undefined;
    for (const [name, test] of tests) {
      // a matcher the empty value passes also takes streams without the label: not from the index
      if (test('')) continue;
      const named = new Set<S>();
      for (const [value, streams] of t.byLabel.get(name) ?? []) if (test(value)) for (const s of streams) named.add(s);
      if (!candidates || named.size < candidates.size) candidates = named;
      if (candidates.size === 0) return [];
    }
    const match = matchesAll(tests);
    return [...(candidates ?? t.all)].filter((s) => match(s.labels));
  }
}
