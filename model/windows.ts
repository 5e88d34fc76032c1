// The time windows of a log-volume query, and a span of entries counted into them without reading
// it: [start, end) cut at multiples of the step (so every piece of a split query cuts the same
// windows as the whole), and a span (a chunk, a block, known by its first and last time, entries
// and bytes) shared among the windows it overlaps in proportion to the time it spends in each, as
// Loki prorates a chunk that a query's range cuts. Exact for a span inside one window, and for a
// single entry; a span that crosses a boundary is split by time, not by where its entries are.

/** Adds a span's share to window `i`. */
export type WindowSink = (i: number, entries: number, bytes: number) => void;

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return q * b > a ? q - 1n : q;
};

export class Windows {
  /** How many windows; at least 1 (an empty range has one empty window). */
  readonly count: number;
  /** The first multiple of the step after start (start itself for a single window). */
  private readonly first: bigint;

  /** `step` 0 (an instant volume, or index stats): one window, [start, end). */
  constructor(
    readonly start: bigint,
    readonly end: bigint,
    readonly step: bigint,
  ) {
    if (step <= 0n || end <= start) {
      this.first = end;
      this.count = 1;
      return;
    }
    this.first = (floorDiv(start, step) + 1n) * step;
    this.count = this.first >= end ? 1 : 1 + Number((end - this.first + step - 1n) / step);
  }

  startOf(i: number): bigint {
    return i === 0 ? this.start : this.first + BigInt(i - 1) * this.step;
  }

  endOf(i: number): bigint {
    const e = i === this.count - 1 ? this.end : this.first + BigInt(i) * this.step;
    return e < this.end ? e : this.end;
  }

  /** The window holding `ts`, for start <= ts < end. */
  indexOf(ts: bigint): number {
    if (ts < this.first || this.count === 1) return 0;
    return Math.min(this.count - 1, 1 + Number((ts - this.first) / this.step));
  }

  /**
   * Shares `entries` and `bytes` of a span [minTs, maxTs] among the windows by the time it spends
   * in each; what lies outside [start, end) is left out. Shares are rounded so that a span wholly
   * inside the range adds up to its totals exactly.
   */
  spread(minTs: bigint, maxTs: bigint, entries: number, bytes: number, add: WindowSink): void {
    if (maxTs < this.start || minTs >= this.end || this.end <= this.start) return;
    if (minTs === maxTs) return add(this.indexOf(minTs), entries, bytes);
    const length = Number(maxTs - minTs);
    const last = maxTs < this.end ? this.indexOf(maxTs) : this.count - 1;
    let covered = minTs < this.start ? Number(this.start - minTs) : 0;
    let givenEntries = Math.round((entries * covered) / length);
    let givenBytes = Math.round((bytes * covered) / length);
    for (let i = this.indexOf(minTs > this.start ? minTs : this.start); i <= last; i++) {
      const from = this.startOf(i) > minTs ? this.startOf(i) : minTs;
      const to = this.endOf(i) < maxTs ? this.endOf(i) : maxTs;
      if (to <= from) continue;
      covered += Number(to - from);
      const e = Math.round((entries * covered) / length) - givenEntries;
      const b = Math.round((bytes * covered) / length) - givenBytes;
      givenEntries += e;
      givenBytes += b;
      if (e || b) add(i, e, b);
    }
  }
}
