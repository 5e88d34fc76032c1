// A stream's head: the entries not yet cut into a chunk, held as Loki's memchunk holds them. New
// entries go into an open block, column-wise in buffers it keeps and reuses; once the open block
// reaches the block size it is sorted, stripped of exact duplicates and compressed into a chunk
// block. So a head keeps its lines compressed, knows its compressed size, and becomes a chunk
// without compressing anything again; only a head whose blocks overlap in time (pushes out of
// order) is decoded, sorted and encoded anew when it is cut.
import { compressSync } from 'lz4-napi';
import { batchInRange, concatColumns, type EntryBatch, type EntryColumns } from '../../model/batch.ts';
import type { Labels } from '../../model/labels.ts';
import { compareAt, wordsOf } from '../../model/ts-words.ts';
import { encodeBlock, encodeBlocks, entrySize, type EncodedBlock } from '../../storage/index.ts';
import { blockEntries, blocksInRange } from './blocks.ts';

/** The open block's first buffers; they double from there up to about the block size. */
const MIN_ENTRIES = 64;
const MIN_BYTES = 16 * 1024;

export class Head {
  private blocks: EncodedBlock[] = [];
  private storedBytes = 0;
  private blockEntries = 0;
  /** Each block starts after the one before it ends: the blocks make a chunk as they are. */
  private inOrder = true;

  // the open block
  private ts = new BigInt64Array(0);
  /** `ts` as words, for comparing times. */
  private words = wordsOf(this.ts);
  private lines = Buffer.alloc(0);
  private offsets = new Uint32Array(1);
  /** Per entry, once any entry has metadata. */
  private meta: Array<Labels | undefined> | undefined;
  private n = 0;
  /** Its raw size as a block (encode.ts entrySize). */
  private rawSize = 0;
  /** Every entry is at or after the one before it. */
  private ascending = true;
  /** Some entry has the time of the one before it: there may be exact duplicates. */
  private ties = false;
  /** Its lines' compressed size, when measured, and at what raw size to measure again. */
  private measured = 0;
  private remeasureAt = 0;

  constructor(
    private readonly labels: Labels,
    private readonly blockSize: number,
  ) {}

  get entries(): number {
    return this.blockEntries + this.n;
  }

  /**
   * The size a chunk cut now would have compressed, for chunk_target_size (Loki compares
   * compressed bytes): the blocks' stored bytes, and the open block's lines compressed. Those are
   * measured only once the open block's raw size could reach the target, and again only where the
   * last ratio predicts it is reached.
   */
  compressedBytes(target: number): number {
    const raw = this.offsets[this.n];
    const need = target - this.storedBytes;
    if (raw < need || need <= 0) return this.storedBytes + raw;
    if (this.remeasureAt === 0 || raw >= this.remeasureAt) {
      this.measured = compressSync(this.lines.subarray(0, raw)).length;
      this.remeasureAt = this.measured >= need ? Infinity : raw * (need / Math.max(this.measured, 1));
    }
    return this.storedBytes + this.measured;
  }

  /** Copies `b`'s entries in (its buffers belong to the message it came in), sealing each block that fills. */
  append(b: EntryColumns): void {
    const k = b.ts.length;
    for (let i = 0; i < k; ) {
      let j = i;
      let size = this.rawSize;
      while (j < k && size < this.blockSize) size += entrySize(b, j++);
      this.take(b, i, j);
      this.rawSize = size;
      if (size >= this.blockSize) this.seal();
      i = j;
    }
  }

  /** Entries held with start <= ts < end: a batch per block that has any, then the open block's, copied. */
  read(start: bigint, end: bigint): EntryBatch[] {
    const out = blocksInRange(this.blocks, this.labels, start, end);
    if (this.n > 0) {
      // copied: the open block's buffers are written again once it is sealed
      const open = batchInRange({ labels: this.labels, ...this.sortedOpen() }, start, end);
      if (open.ts.length) out.push({ labels: this.labels, ...copyOf(open) });
    }
    return out;
  }

  /**
   * What the head holds, for counting without decompressing: each sealed block by its totals (a
   * span from its first to its last time), then each entry of the open block on its own.
   */
  spans(add: (minTs: bigint, maxTs: bigint, entries: number, lineBytes: number) => void): void {
    for (const b of this.blocks) add(b.minTs, b.maxTs, b.entries, b.lineBytes);
    for (let i = 0; i < this.n; i++) add(this.ts[i], this.ts[i], 1, this.offsets[i + 1] - this.offsets[i]);
  }

  /** The head as a chunk's blocks, ascending, exact duplicates dropped; the head is spent. */
  cut(): { blocks: EncodedBlock[]; entries: number } {
    this.seal();
    if (this.inOrder) return { blocks: this.blocks, entries: this.blockEntries };
    // blocks in arrival order, so a stable sort keeps equal times in the order they came
    const all = concatColumns(this.blocks.map((b) => blockEntries(b, this.labels)));
    const sorted = gather(all, sortedOrder(all.ts));
    return { blocks: encodeBlocks(sorted, this.blockSize), entries: sorted.ts.length };
  }

  /** Compresses the open block into a chunk block and empties it, keeping its buffers. */
  private seal(): void {
    if (this.n === 0) return;
    const open = this.sortedOpen();
    const block = encodeBlock(open, 0, open.ts.length);
    const last = this.blocks[this.blocks.length - 1];
    if (last && block.minTs <= last.maxTs) this.inOrder = false;
    this.blocks.push(block);
    this.storedBytes += block.stored.length;
    this.blockEntries += block.entries;
    this.n = 0;
    this.rawSize = 0;
    this.meta = undefined;
    this.ascending = true;
    this.ties = false;
    this.measured = this.remeasureAt = 0;
  }

  /** The open block sorted by time, exact duplicates dropped: views of its buffers when it came in order. */
  private sortedOpen(): EntryColumns {
    const n = this.n;
    const open: EntryColumns = { ts: this.ts.subarray(0, n), lines: this.lines.subarray(0, this.offsets[n]), offsets: this.offsets.subarray(0, n + 1) };
    if (this.meta) open.metadata = this.meta;
    if (this.ascending && !this.ties) return open;
    return gather(open, this.ascending ? Array.from({ length: n }, (_, i) => i) : sortedOrder(open.ts));
  }

  /** Entries [i, j) of `b` into the open block. */
  private take(b: EntryColumns, i: number, j: number): void {
    const k = j - i;
    const n = this.n;
    const at = this.offsets[n];
    const base = b.offsets[i];
    const size = b.offsets[j] - base;
    this.reserve(n + k, at + size);
    this.ts.set(b.ts.subarray(i, j), n);
    const w = this.words;
    for (let x = Math.max(n, 1); x < n + k; x++) {
      const c = compareAt(w, x, w, x - 1);
      if (c < 0) this.ascending = false;
      else if (c === 0) this.ties = true;
    }
    b.lines.copy(this.lines, at, base, base + size);
    for (let x = 1; x <= k; x++) this.offsets[n + x] = at + b.offsets[i + x] - base;
    if (b.metadata || this.meta) {
      const meta = (this.meta ??= new Array<Labels | undefined>(n).fill(undefined));
      for (let x = i; x < j; x++) meta.push(b.metadata?.[x]);
    }
    this.n = n + k;
  }

  /** Room for `entries` and `bytes` of lines in the open block; each buffer at least doubles when it grows. */
  private reserve(entries: number, bytes: number): void {
    if (entries > this.ts.length) {
      const cap = Math.max(entries, this.ts.length * 2, MIN_ENTRIES);
      const ts = new BigInt64Array(cap);
      ts.set(this.ts.subarray(0, this.n));
      this.ts = ts;
      this.words = wordsOf(ts);
      const offsets = new Uint32Array(cap + 1);
      offsets.set(this.offsets.subarray(0, this.n + 1));
      this.offsets = offsets;
    }
    if (bytes > this.lines.length) {
      const lines = Buffer.allocUnsafe(Math.max(bytes, this.lines.length * 2, MIN_BYTES));
      this.lines.copy(lines, 0, 0, this.offsets[this.n]);
      this.lines = lines;
    }
  }
}

function copyOf(c: EntryColumns): EntryColumns {
  const n = c.ts.length;
  const base = c.offsets[0];
  const out: EntryColumns = { ts: c.ts.slice(), lines: Buffer.from(c.lines.subarray(base, c.offsets[n])), offsets: c.offsets.map((o) => o - base) };
  if (c.metadata) out.metadata = c.metadata.slice(0, n);
  return out;
}

/** Indices of `ts` sorted by time, equal times in index order. */
const sortedOrder = (ts: BigInt64Array): number[] =>
  Array.from({ length: ts.length }, (_, i) => i).sort((a, b) => (ts[a] < ts[b] ? -1 : ts[a] > ts[b] ? 1 : a - b));

/** Entries of `c` in `order`, each dropped when it equals (time, line, metadata) the one kept before it. */
function gather(c: EntryColumns, order: readonly number[]): EntryColumns {
  const keep: number[] = [];
  let bytes = 0;
  for (const i of order) {
    const j = keep[keep.length - 1];
    if (j !== undefined && c.ts[j] === c.ts[i] && sameLine(c, i, j) && sameMeta(c.metadata?.[i], c.metadata?.[j])) continue;
    keep.push(i);
    bytes += c.offsets[i + 1] - c.offsets[i];
  }
  const ts = new BigInt64Array(keep.length);
  const offsets = new Uint32Array(keep.length + 1);
  const lines = Buffer.allocUnsafe(bytes);
  let at = 0;
  keep.forEach((i, k) => {
    ts[k] = c.ts[i];
    offsets[k] = at;
    at += c.lines.copy(lines, at, c.offsets[i], c.offsets[i + 1]);
  });
  offsets[keep.length] = at;
  const out: EntryColumns = { ts, lines, offsets };
  if (c.metadata) out.metadata = keep.map((i) => c.metadata![i]);
  return out;
}

const sameLine = (c: EntryColumns, i: number, j: number) => c.lines.compare(c.lines, c.offsets[j], c.offsets[j + 1], c.offsets[i], c.offsets[i + 1]) === 0;

const sameMeta = (a: Labels | undefined, b: Labels | undefined) =>
  a === b || (!!a && !!b && a.length === b.length && a.every(([n, v], i) => n === b[i][0] && v === b[i][1]));
