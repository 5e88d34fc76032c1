import test from 'ava';
import { streamHash, xxh64 } from '../../model/stream-hash.ts';

// XXH64's published test values, seed 0
const vectors: Array<[string, string]> = [
  ['', 'ef46db3751d8e999'],
  ['a', 'd24ec4f1a98c6e5b'],
  ['abc', '44bc2cf5ad770999'],
  ['Nobody inspects the spammish repetition', 'fbcea83c8a378bf1'],
];
for (const [input, hex] of vectors)
  test(`xxh64(${JSON.stringify(input)}) is ${hex}`, (t) => {
    t.is(xxh64(Buffer.from(input)).toString(16).padStart(16, '0'), hex);
  });

test('a stream hash is XXH64 of its labels as name, 0xff, value, 0xff', (t) => {
  const bytes = Buffer.from('app\xffapi\xffpod\xffa\xff', 'latin1');
  t.is(streamHash([['app', 'api'], ['pod', 'a']]), xxh64(bytes));
  t.not(streamHash([['app', 'api'], ['pod', 'a']]), streamHash([['app', 'api'], ['pod', 'b']]));
});
