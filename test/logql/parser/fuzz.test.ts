import test from 'ava';
import { evaluate } from '../../../logql/eval/index.ts';
import { batchOf } from '../../../model/batch.ts';
import { parseExpr, ParseError } from '../../../logql/parser/index.ts';
import { valid } from './corpus.ts';

/** A small deterministic generator, so a failure can be reproduced from its seed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const TOKENS = ['{', '}', '(', ')', '[', ']', ',', '=', '!=', '=~', '!~', '|=', '|~', '|', '"a"', '`b`', 'app', 'json', 'logfmt', 'unwrap', 'by', 'without', 'sum', 'rate', 'count_over_time', 'topk', '5m', '1', '-', '+', '*', '/', '^', 'and', 'or', 'bool', 'on', 'group_left', 'offset', 'line_format', 'label_format', '--strict', '>', '>=', '10KB', 'ip(', 'vector', 'label_replace', '"(?i)x"', '"\\\\"'];

function check(t: import('ava').ExecutionContext, q: string): void {
  try {
    parseExpr(q);
  } catch (err) {
    if (!(err instanceof ParseError)) t.fail(`${JSON.stringify(q)} threw ${String(err)}`);
  }
}

test('random token sequences only ever parse or give a ParseError', (t) => {
  const r = rng(1);
  for (let i = 0; i < 4000; i++) {
    const n = 1 + Math.floor(r() * 20);
    check(t, Array.from({ length: n }, () => TOKENS[Math.floor(r() * TOKENS.length)]).join(r() < 0.5 ? ' ' : ''));
  }
  t.pass();
});

test('mutated corpus queries only ever parse or give a ParseError', (t) => {
  const r = rng(2);
  const chars = '{}()[]|=!~"`,.*+?\\ab01 \n-µ';
  for (let i = 0; i < 6000; i++) {
    let q = valid[Math.floor(r() * valid.length)];
    for (let k = 0; k < 1 + Math.floor(r() * 3); k++) {
      const at = Math.floor(r() * (q.length + 1));
      const op = r();
      if (op < 0.33) q = q.slice(0, at) + q.slice(at + 1);
      else if (op < 0.66) q = q.slice(0, at) + chars[Math.floor(r() * chars.length)] + q.slice(at);
      else {
        const b = Math.floor(r() * (q.length + 1));
        q = q.slice(0, Math.min(at, b)) + q.slice(Math.max(at, b)) + q.slice(Math.min(at, b), Math.max(at, b));
      }
    }
    check(t, q);
  }
  t.pass();
});

test('hostile regular expressions are matched in linear time by RE2', async (t) => {
  const line = 'a'.repeat(50_000) + '!';
  const source = { async *select() { yield batchOf([['app', 'x']], [[1n, line]]); } };
  for (const re of ['(a+)+$', '(a|a)*b', '(a|aa)+$', '(.*a){20}', '^(a?){30}a{30}$']) {
    const q = `{app="x"} |~ ${JSON.stringify(re)}`;
    // a backtracking engine takes longer than the age of the universe here; RE2 takes milliseconds
    const r = await evaluate(parseExpr(q), { start: 0n, end: 10n, step: 0, direction: 'backward', limit: 10, instant: false }, source);
    t.is(r.resultType, 'streams', re);
  }
  t.throws(() => parseExpr('{app="x"} |~ "a{5000}"'), { instanceOf: ParseError }, 'repetition counts RE2 refuses are parse errors');
});
