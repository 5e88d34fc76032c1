// An entry's labels while a pipeline runs over it. One set serves a whole batch, reset per entry:
// a Map would allocate a new table on every clear and grow it again for every line, which made
// the collector the largest cost of parser pipelines. Names are found by a linear scan while the
// set is small, by an index past that, so a line with thousands of fields stays linear.
import { sortLabels, type Labels } from '../../model/labels.ts';

const INDEX_FROM = 24;
const SHAPES = 4;

/**
 * How many label arrays a shape keeps to give again, and after how many entries it gives up if
 * fewer than half of them found one: its values are ids, and each entry gets a new array.
 */
const KEPT = 4096;
const TRIAL = 256;

/** Values by position, down to the array made for them. */
type ValueTree = Map<string, ValueTree | Labels>;

/** A list of names in the order lines carry them, its sorted order, and the arrays made for it by their values. */
interface Shape {
  names: string[];
  order: number[];
  kept: ValueTree;
  size: number;
  looks: number;
  found: number;
}

/** Whether `a` is the first `n` of `b`. */
function sameNames(a: string[], b: string[], n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class LabelSet {
  // the first n of each are the labels: emptying the set keeps the arrays' room (setting an
  // array's length to 0 gave its storage back, and every entry grew it again)
  private names: string[] = [];
  private values: string[] = [];
  private n = 0;
  private index: Map<string, number> | undefined;
  // Lines of a stream mostly carry one of a few field lists in the same order: sorted() keeps the
  // order it found for the last few lists, and the arrays it made for them by their values.
  private shapes: Shape[] = [];

  get size(): number {
    return this.n;
  }

  private find(name: string): number {
    if (this.index) return this.index.get(name) ?? -1;
    const { names, n } = this;
    for (let i = 0; i < n; i++) if (names[i] === name) return i;
    return -1;
  }

  has(name: string): boolean {
    return this.find(name) >= 0;
  }

  get(name: string): string | undefined {
    const i = this.find(name);
    return i < 0 ? undefined : this.values[i];
  }

  set(name: string, value: string): this {
    const i = this.find(name);
    if (i >= 0) {
      this.values[i] = value;
      return this;
    }
    this.add(name, value);
    if (this.index) this.index.set(name, this.n - 1);
    else this.reindex();
    return this;
  }

  private add(name: string, value: string): void {
    this.names[this.n] = name;
    this.values[this.n] = value;
    this.n++;
  }

  delete(name: string): boolean {
    const i = this.find(name);
    if (i < 0) return false;
    this.names.splice(i, 1);
    this.values.splice(i, 1);
    this.n--;
    if (this.index) this.reindex();
    return true;
  }

  /** An index by name once the set is too large for a scan, none below that. */
  private reindex(): void {
    this.index = this.n > INDEX_FROM ? new Map(this.names.slice(0, this.n).map((n, k) => [n, k])) : undefined;
  }

  /** Empties the set and fills it with `labels`, whose names are distinct. */
  reset(labels: Labels): void {
    this.n = 0;
    for (let i = 0; i < labels.length; i++) this.add(labels[i][0], labels[i][1]);
    this.reindex();
  }

  /** The labels as a plain object, as templates read them. */
  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i < this.n; i++) out[this.names[i]] = this.values[i];
    return out;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let i = 0; i < this.n; i++) yield [this.names[i], this.values[i]];
  }

  /**
   * The labels sorted by name, as results carry them. Arrays and pairs are shared between results:
   * never mutate them. Labels made before come back as the very same array, so a caller can
   * remember what it made of them by identity (a series, a key) instead of by their text.
   */
  sorted(): Labels {
    const { values, n } = this;
    if (n > INDEX_FROM) return this.made();
    const shape = this.shapeOfNames();
    const { order } = shape;
    if (shape.size >= KEPT) return this.made(order);
    if (++shape.looks === TRIAL && shape.found * 2 < TRIAL) shape.size = KEPT;
    let node = shape.kept;
    for (let k = 0; k < n - 1; k++) {
      const v = values[order[k]];
      let next = node.get(v) as ValueTree | undefined;
      if (next === undefined) {
        if (shape.size >= KEPT) return this.made(order);
        node.set(v, (next = new Map()));
      }
      node = next;
    }
    const last = n === 0 ? '' : values[order[n - 1]];
    let out = node.get(last) as Labels | undefined;
    if (out !== undefined) shape.found++;
    else {
      out = this.made(order);
      if (shape.size < KEPT) {
        node.set(last, out);
        shape.size++;
      }
    }
    return out;
  }

  /** A new array of the labels, sorted (in `order` when known). */
  private made(order?: number[]): Labels {
    const { names, values, n } = this;
    const out: Array<readonly [string, string]> = new Array(n);
    if (!order) {
      for (let i = 0; i < n; i++) out[i] = [names[i], values[i]];
      return sortLabels(out);
    }
    for (let k = 0; k < n; k++) out[k] = [names[order[k]], values[order[k]]];
    return out;
  }

  private shapeOfNames(): Shape {
    const { names, shapes, n } = this;
    for (let s = 0; s < shapes.length; s++) {
      const shape = shapes[s];
      if (!sameNames(shape.names, names, n)) continue;
      if (s > 0) {
        shapes.splice(s, 1);
        shapes.unshift(shape);
      }
      return shape;
    }
    const order: number[] = [];
    for (let i = 0; i < n; i++) {
      let j = i;
      for (; j > 0 && names[order[j - 1]] > names[i]; j--) order[j] = order[j - 1];
      order[j] = i;
    }
    const shape: Shape = { names: names.slice(0, n), order, kept: new Map(), size: 0, looks: 0, found: 0 };
    shapes.unshift(shape);
    if (shapes.length > SHAPES) shapes.pop();
    return shape;
  }
}
