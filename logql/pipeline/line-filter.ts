// Line filters run on the line's bytes: a literal is Buffer.indexOf, a regex is RE2 over the
// Buffer, so no string is made per entry.
import RE2 from 're2';
import type { LineFilterStage } from '../ast.ts';
import { compileIp } from '../ip-pattern.ts';
import { lineHasIp } from './ip.ts';
import { regexLiteral } from './regex-literal.ts';

export type LineTest = (line: Buffer) => boolean;

function one(op: LineFilterStage['op'], value: LineFilterStage['values'][number]): LineTest {
  if (value.kind === 'ip') {
    const test = compileIp(value.value);
    return (line) => lineHasIp(test, line);
  }
  if (op === '|=' || op === '!=') {
    if (value.value === '') return () => true;
    const needle = Buffer.from(value.value, 'utf8');
    return (line) => line.indexOf(needle) >= 0;
  }
  const re = new RE2(value.value);
  return (line) => re.test(line);
}

/** True when the line passes: any value for `|=`/`|~`, none for `!=`/`!~`. */
export function compileLineFilter(stage: LineFilterStage): LineTest {
  const tests = stage.values.map((v) => one(stage.op, v));
  const any: LineTest = tests.length === 1 ? tests[0] : (line) => tests.some((t) => t(line));
  if (stage.op === '|=' || stage.op === '|~') return any;
  // every line contains "": `!= ""` keeps none, as in Loki 2.8
  return (line) => !any(line);
}

/**
 * A literal every line the stage passes contains, when one is known (a single `|=` value, or a
 * literal inside a single `|~` pattern), so a whole batch can be scanned with one indexOf pass
 * instead of one call per line; `exact` when containing it is all the stage asks.
 */
export function requiredLiteral(stage: LineFilterStage): { needle: Buffer; exact: boolean } | undefined {
  if (stage.values.length !== 1) return undefined;
  const v = stage.values[0];
  if (v.kind !== 'string' || v.value === '') return undefined;
  if (stage.op === '|=') return { needle: Buffer.from(v.value, 'utf8'), exact: true };
  if (stage.op !== '|~') return undefined;
  const literal = regexLiteral(v.value);
  return literal === undefined ? undefined : { needle: Buffer.from(literal, 'latin1'), exact: false };
}

/** Marks the lines of a batch that contain the needle, scanning the batch's bytes once. */
export function markLiteral(lines: Buffer, offsets: Uint32Array, n: number, needle: Buffer): Uint8Array {
  const mask = new Uint8Array(n);
  let line = 0;
  for (let at = lines.indexOf(needle); at >= 0 && line < n; ) {
    while (line < n && offsets[line + 1] <= at) line++;
    if (line >= n) break;
    // a match that runs into the next line is no match
    if (at + needle.length <= offsets[line + 1]) {
      mask[line] = 1;
      at = lines.indexOf(needle, offsets[line + 1]);
    } else at = lines.indexOf(needle, at + 1);
  }
  return mask;
}
