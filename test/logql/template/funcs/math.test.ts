import test from 'ava';
import { render, type Case } from '../render.ts';

const cases: [string, Case[]][] = [
  ['integer arithmetic', [
    ['{{ add 3 2 5 }}', '10'],
    ['{{ add .n 1 }}', '43'],
    ['{{ add "x" 1 }}', '1'],
    ['{{ add "0x10" "010" }}', '24'],
    ['{{ sub 5 2 }}', '3'],
    ['{{ mul 5 2 3 }}', '30'],
    ['{{ div 10 3 }}', '3'],
    ['{{ div -7 2 }}', '-3'],
    ['{{ mod 10 3 }}', '1'],
    ['{{ add 1.9 1 }}', '2'],
    ['{{ max 1 2 3 }}', '3'],
    ['{{ min 1 2 3 }}', '1'],
    ['{{ sub 1700000000123456789 1 }}', '1700000000123456788'],
    ['{{ add 9223372036854775807 1 }}', '-9223372036854775808'],
  ]],
  ['float arithmetic', [
    ['{{ addf 3.5 2 5 }}', '10.5'],
    ['{{ addf 0.1 0.2 }}', '0.3'],
    ['{{ subf 5.5 2 1.5 }}', '2'],
    ['{{ mulf 5.5 2 2.5 }}', '27.5'],
    ['{{ divf 10 2 4 }}', '1.25'],
    ['{{ divf 1 3 }}', '0.3333333333333333'],
    ['{{ maxf 1 2.5 3 }}', '3'],
    ['{{ minf 1 2.5 3 }}', '1'],
    ['{{ mulf 1000 1000 }}', '1e+06'],
    ['{{ addf .f 1 }}', '4.5'],
  ]],
  ['rounding', [
    ['{{ ceil 123.001 }}', '124'],
    ['{{ floor 123.9999 }}', '123'],
    ['{{ round 123.555555 3 }}', '123.556'],
    ['{{ round 123.88571428571 5 .2 }}', '123.88572'],
    ['{{ round 2.5 0 }}', '3'],
  ]],
  ['conversions', [
    ['{{ "3" | int }}', '3'],
    ['{{ "3.5" | float64 }}', '3.5'],
    ['{{ int "abc" }}', '0'],
    ['{{ int 3.9 }}', '3'],
    ['{{ int true }}', '1'],
    ['{{ float64 "1e3" }}', '1000'],
    ['{{ float64 "0x10" }}', '0'],
    ['{{ float64 "0x1p4" }}', '16'],
    ['{{ int "0x10" }}', '16'],
    ['{{ int "010" }}', '8'],
    ['{{ trunc (int "2") "hello" }}', 'he'],
  ]],
];

for (const [family, rows] of cases) {
  test(`${family} follows sprig`, (t) => {
    for (const [src, want] of rows) t.is(render(src), want, src);
  });
}

test('modulo by zero is an execution error', (t) => {
  t.throws(() => render('{{ mod 1 0 }}'), { message: /integer divide by zero/ });
});
