// Loki refuses a regexp or pattern parser it could not run as soon as it parses the stage, with
// no position: `invalid regexp parser: ...`, `invalid pattern parser: ...`.
import { ParseError } from './errors.ts';
import { regexpError } from './regexp-errors.ts';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Capture groups in order, `undefined` for unnamed ones; escapes and character classes skipped. */
function captureGroups(re: string): Array<string | undefined> {
  const groups: Array<string | undefined> = [];
  let inClass = false;
  for (let i = 0; i < re.length; i++) {
    const ch = re[i];
    if (ch === '\\') i++;
    else if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '(') {
      const named = /^\(\?P?<([^>]*)>/.exec(re.slice(i));
      if (named) groups.push(named[1]);
      else if (re[i + 1] !== '?') groups.push(undefined);
    }
  }
  return groups;
}

export function checkRegexpParser(re: string): void {
  const fail = (why: string) => new ParseError(`invalid regexp parser: ${why}`);
  const groups = captureGroups(re);
  const names = groups.filter((g): g is string => g !== undefined);
  const seen = new Set<string>();
  for (const n of names) {
    // RE2 refuses a repeated name where Go compiles it; Loki then names the label
    if (seen.has(n) && LABEL_NAME.test(n)) throw fail(`duplicate extracted label name '${n}'`);
    seen.add(n);
  }
  const err = regexpError(re);
  if (err) throw fail(err);
  if (groups.length === 0) throw fail('at least one named capture must be supplied');
  for (const n of names) if (!LABEL_NAME.test(n)) throw fail(`invalid extracted label name '${n}'`);
  if (names.length === 0) throw fail('at least one named capture must be supplied');
}

const CAPTURE = /<([a-zA-Z_][a-zA-Z0-9_]*)>/g;

export function checkPatternParser(pattern: string): void {
  const fail = (why: string) => new ParseError(`invalid pattern parser: ${why}`);
  const caps = [...pattern.matchAll(CAPTURE)];
  const named = caps.map((m) => m[1]).filter((n) => n !== '_');
  if (named.length === 0) throw fail('at least one capture is required');
  for (let k = 1; k < caps.length; k++)
    if (caps[k].index === caps[k - 1].index! + caps[k - 1][0].length)
      throw fail(`found consecutive capture '${caps[k - 1][0]}${caps[k][0]}': invalid expression`);
  const seen = new Set<string>();
  for (const n of named) {
    if (seen.has(n)) throw fail(`duplicate capture name (${n}): invalid expression`);
    seen.add(n);
  }
}
