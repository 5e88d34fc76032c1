// Timestamps written and compared as 32-bit words agree exactly with bigint arithmetic, across
// the whole int64 range, before 1970 included.
import test from 'ava';
import { compareAt, extremesOf, storeDecimal, wordsOf } from '../../model/ts-words.ts';

const INT64_MAX = 2n ** 63n - 1n;

/** What storeDecimal is given for a decimal text of up to 19 digits: its last nine digits and those before. */
function store(text: string): bigint | undefined {
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  const high = Number(digits.slice(0, -9) || '0');
  const low = Number(digits.slice(-9));
  const ts = new BigInt64Array(3);
  return storeDecimal(wordsOf(ts), 1, high, low, negative) ? ts[1] : undefined;
}

test('a decimal timestamp is stored exactly, and one outside int64 is refused', (t) => {
  const edges = ['0', '-0', '1', '-1', '999999999', '1000000000', '-1000000000', '4294967295', '4294967296', '-4294967296', '1764000000123456789', '-1764000000123456789', String(INT64_MAX), `-${INT64_MAX + 1n}`, '0000000000000000001'];
  for (const e of edges) t.is(store(e), BigInt(e), e);
  for (const e of [String(INT64_MAX + 1n), `-${INT64_MAX + 2n}`, '9999999999999999999', '-9999999999999999999']) t.is(store(e), undefined, e);
  let seed = 7;
  const digit = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 8) % 10;
  for (let k = 0; k < 20_000; k++) {
    const len = 1 + (k % 19);
    const text = (k % 3 === 0 ? '-' : '') + Array.from({ length: len }, digit).join('');
    const want = BigInt(text);
    t.is(store(text), want >= -(2n ** 63n) && want <= INT64_MAX ? want : undefined, text);
  }
});

test('times compare as bigints do, and the earliest and latest are found', (t) => {
  const values = [0n, -1n, 1n, INT64_MAX, -(2n ** 63n), 2n ** 32n, 2n ** 32n - 1n, -(2n ** 32n), 1764000000123456789n, 1764000000123456788n];
  const ts = BigInt64Array.from(values);
  const w = wordsOf(ts);
  for (let i = 0; i < values.length; i++)
    for (let j = 0; j < values.length; j++) t.is(Math.sign(compareAt(w, i, w, j)), values[i] < values[j] ? -1 : values[i] > values[j] ? 1 : 0, `${values[i]} vs ${values[j]}`);
  const [min, max] = extremesOf(w, values.length);
  t.is(ts[min], -(2n ** 63n));
  t.is(ts[max], INT64_MAX);
  const view = ts.subarray(3, 6);
  t.deepEqual(extremesOf(wordsOf(view), 3).map((i) => view[i]), [-(2n ** 63n), INT64_MAX]);
});
