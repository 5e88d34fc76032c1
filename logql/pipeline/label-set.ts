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

function sameNames(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class LabelSet {
  private names: string[] = [];
  private values: string[] = [];
  private index: Map<string, number> | undefined;
  // Lines of a stream mostly carry one of a few field lists in the same order: sorted() keeps the
  // order it found for the last few lists, and the pairs it made, reused where a value repeats.
  private shapes: Shape[] = [];

  get size(): number {
    return this.names.length;
  }

  private find(name: string): number {
    if (this.index) return this.index.get(name) ?? -1;
    const names = this.names;
    for (let i = 0; i < names.length; i++) if (names[i] === name) return i;
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
    this.names.push(name);
    this.values.push(value);
    if (this.index) this.index.set(name, this.names.length - 1);
    else this.reindex();
    return this;
  }

  delete(name: string): boolean {
    const i = this.find(name);
    if (i < 0) return false;
    this.names.splice(i, 1);
    this.values.splice(i, 1);
    if (this.index) this.reindex();
    return true;
  }

  /** An index by name once the set is too large for a scan, none below that. */
  private reindex(): void {
    this.index = this.names.length > INDEX_FROM ? new Map(this.names.map((n, k) => [n, k])) : undefined;
  }

  /** Empties the set and fills it with `labels`, whose names are distinct. */
  reset(labels: Labels): void {
    this.names.length = 0;
    this.values.length = 0;
    for (const [n, v] of labels) {
      this.names.push(n);
      this.values.push(v);
    }
    this.reindex();
  }

  /** The labels as a plain object, as templates read them. */
  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i < this.names.length; i++) out[this.names[i]] = this.values[i];
    return out;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let i = 0; i < this.names.length; i++) yield [this.names[i], this.values[i]];
  }

  /**
   * The labels sorted by name, as results carry them. Arrays and pairs are shared between results:
   * never mutate them. Labels made before come back as the very same array, so a caller can
   * remember what it made of them by identity (a series, a key) instead of by their text.
   */
  sorted(): Labels {
    const { names, values } = this;
    const n = names.length;
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
    const { names, values } = this;
    const n = names.length;
    const out: Array<readonly [string, string]> = new Array(n);
    if (!order) {
      for (let i = 0; i < n; i++) out[i] = [names[i], values[i]];
      return sortLabels(out);
    }
    for (let k = 0; k < n; k++) out[k] = [names[order[k]], values[order[k]]];
    return out;
  }

  private shapeOfNames(): Shape {
    const { names, shapes } = this;
    for (let s = 0; s < shapes.length; s++) {
      const shape = shapes[s];
      if (!sameNames(shape.names, names)) continue;
      if (s > 0) {
        shapes.splice(s, 1);
        shapes.unshift(shape);
      }
      return shape;
    }
    const order: number[] = [];
    for (let i = 0; i < names.length; i++) {
      let j = i;
      for (; j > 0 && names[order[j - 1]] > names[i]; j--) order[j] = order[j - 1];
      order[j] = i;
    }
    const shape: Shape = { names: names.slice(), order, kept: new Map(), size: 0, looks: 0, found: 0 };
    shapes.unshift(shape);
    if (shapes.length > SHAPES) shapes.pop();
    return shape;
  }
}
