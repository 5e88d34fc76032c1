// A timestamp column (BigInt64Array) read and written as 32-bit words, for the loops that touch
// every pushed entry: V8 makes a heap BigInt for most reads of a BigInt64Array it cannot prove
// short-lived, and at a hundred thousand lines a second those were a tenth of what the push path
// allocated.
import { endianness } from 'node:os';

const LE = endianness() === 'LE';
/** Where entry i's high (signed) and low (unsigned) words are: 2i + HI, 2i + LO. */
const HI = LE ? 1 : 0;
const LO = LE ? 0 : 1;
const TWO_32 = 2 ** 32;

/** The words of `ts`, viewing its memory. */
export const wordsOf = (ts: BigInt64Array): Int32Array => new Int32Array(ts.buffer, ts.byteOffset, ts.length * 2);

/** Negative, zero or positive as entry i of `a` is before, at or after entry j of `b`. */
export function compareAt(a: Int32Array, i: number, b: Int32Array, j: number): number {
  const d = a[2 * i + HI] - b[2 * j + HI];
  return d !== 0 ? d : (a[2 * i + LO] >>> 0) - (b[2 * j + LO] >>> 0);
}

/** The indexes of the earliest and the latest time among the first n entries (n > 0). */
export function extremesOf(w: Int32Array, n: number): [min: number, max: number] {
  let min = 0;
  let max = 0;
  for (let i = 1; i < n; i++) {
    if (compareAt(w, i, w, min) < 0) min = i;
    if (compareAt(w, i, w, max) > 0) max = i;
  }
  return [min, max];
}

/**
 * Stores `high` * 10^9 + `low` as entry i, negated when `negative`; false when that is outside
 * int64. `high` < 10^10 and `low` < 10^9 are integers: every step below is exact in a double.
 */
export function storeDecimal(w: Int32Array, i: number, high: number, low: number, negative: boolean): boolean {
  // high * 10^9 = (h1 * 2^16 + h0) * 10^9, with h1 * 10^9 split again at 2^16
  const h1 = Math.floor(high / 65536);
  const h0 = high - h1 * 65536;
  const y = h1 * 1e9;
  const yHi = Math.floor(y / 65536);
  const sum = (y - yHi * 65536) * 65536 + h0 * 1e9 + low;
  const carry = Math.floor(sum / TWO_32);
  let lo = sum - carry * TWO_32;
  let hi = yHi + carry;
  if (hi > 0x7fffffff && !(negative && hi === 0x80000000 && lo === 0)) return false;
  if (negative) {
    // two's complement of the 64 bits
    lo = TWO_32 - lo;
    hi = lo === TWO_32 ? TWO_32 - hi : TWO_32 - 1 - hi;
    if (lo === TWO_32) lo = 0;
  }
  w[2 * i + LO] = lo | 0;
  w[2 * i + HI] = hi | 0;
  return true;
}
