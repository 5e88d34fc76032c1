import test from 'ava';
import { render, type Case } from './render.ts';

const rows: Case[] = [
  ['{{ printf "%s=%d" "a" 3 }}', 'a=3'],
  ['{{ printf "%v %v %v" 1 "x" true }}', '1 x true'],
  ['{{ printf "%5d|%-5d|%05d" 42 42 42 }}', '   42|42   |00042'],
  ['{{ printf "%-5s|%5s" "ab" "ab" }}', 'ab   |   ab'],
  ['{{ printf "%.2f" 3.14159 }}', '3.14'],
  ['{{ printf "%f" 1.5 }}', '1.500000'],
  ['{{ printf "%8.3f" -1.5 }}', '  -1.500'],
  ['{{ printf "%e" 123456.789 }}', '1.234568e+05'],
  ['{{ printf "%g" 0.00001 }}', '1e-05'],
  ['{{ printf "%g" 100000000.0 }}', '1e+08'],
  ['{{ printf "%.3g" 3.14159 }}', '3.14'],
  ['{{ printf "%q" "a\\"b\\n" }}', '"a\\"b\\n"'],
  ['{{ printf "%x %X" 255 255 }}', 'ff FF'],
  ['{{ printf "%x" "hi" }}', '6869'],
  ['{{ printf "%t" true }}', 'true'],
  ['{{ printf "%d%%" 50 }}', '50%'],
  ['{{ printf "%+d" 5 }}', '+5'],
  ['{{ printf "%d" "x" }}', '%!d(string=x)'],
  ['{{ printf "%s" 3 }}', '%!s(int=3)'],
  ['{{ printf "%s %s" "a" }}', 'a %!s(MISSING)'],
  ['{{ printf "%s" "a" "b" }}', 'a%!(EXTRA string=b)'],
  ['{{ printf "%-40.40s|" .path }}', '/api/v1/query                           |'],
  ['{{ printf "%.3s" "héllo" }}', 'hél'],
  ['{{ printf "%v" (add 1 2) }}', '3'],
  ['{{ printf "%s" __timestamp__ }}', '2023-11-14 22:13:20.123456789 +0000 UTC'],
  ['{{ printf "%v" (fromJson "[1,2]") }}', '[1 2]'],
  ['{{ printf "%d" (len "abc") }}', '3'],
  ['{{ printf "%6.2f|" (divf 1 3) }}', '  0.33|'],
  ['{{ printf "%U|%#U|%O" 65 65 8 }}', 'U+0041|U+0041 \'A\'|0o10'],
  ['{{ printf "%T %T %T %T" 1 1.5 "s" (fromJson "[]") }}', 'int float64 string []interface {}'],
  ['{{ printf "%+v|%#v|%#v" 1 "a" 2 }}', '1|"a"|2'],
  // slices and maps are formatted element by element
  ['{{ printf "%s" (fromJson "[1,null]") }}', '[%!s(float64=1) <nil>]'],
  ['{{ printf "%3v" (fromJson "[1,2]") }}', '[  1   2]'],
  ['{{ printf "%x" __timestamp__ | len }}', '78'],
  // a width or precision growing past a million takes the rest of the format with it, as Go's parsenum
  ['{{ printf "%100000000d|" 5 }}', '%!(NOVERB)%!(EXTRA int=5)'],
  ['{{ printf "%d %.100000000f|" 1 1.5 }}', '1 %!(NOVERB)%!(EXTRA float64=1.5)'],
  ['{{ printf "%200000d" 5 | len }}', '200000'],
];

test('printf follows Go\'s fmt verbs, flags, widths and complaints', (t) => {
  for (const [src, want] of rows) t.is(render(src), want, src);
});
