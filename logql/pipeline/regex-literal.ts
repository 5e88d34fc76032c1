// A literal that every match of a regular expression contains (`status=5` for `status=5..`), so a
// `|~` filter can scan a whole batch for it with indexOf and run the regex only on the lines that
// have it. Reading RE2's syntax is kept to what is certain: a pattern with alternation, flags,
// \Q...\E, or an escape whose length is not known here gives no literal, and every other construct
// (classes, groups, `.`, anchors, quantified atoms) only ends a run of literal characters.

const META = new Set(['\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$']);
const QUANTIFIERS = new Set(['*', '+', '?', '{']);
/** Escapes that stand for one character class or assertion and take exactly two characters. */
const SHORT_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S', 'b', 'B', 'A', 'z']);
/** Shorter literals match too many lines for a scan to pay. */
const MIN_LENGTH = 3;

/** Where the class opening at `i` ends (just past its `]`), or -1. */
function classEnd(p: string, i: number): number {
  let j = i + 1;
  if (p[j] === '^') j++;
  // a `]` first in a class is a member
  if (p[j] === ']') j++;
  while (j < p.length) {
    if (p[j] === '\\') j += 2;
    else if (p.startsWith('[:', j)) {
      const k = p.indexOf(':]', j + 2);
      if (k < 0) return -1;
      j = k + 2;
    } else if (p[j] === ']') return j + 1;
    else j++;
  }
  return -1;
}

/** The longest literal of at least MIN_LENGTH ASCII characters that every match holds, if one is found. */
export function regexLiteral(p: string): string | undefined {
  let best = '';
  let run = '';
  let depth = 0;
  const end = () => {
    if (depth === 0 && run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < p.length; ) {
    const c = p[i];
    let literal: string | undefined;
    if (c === '\\') {
      const d = p[i + 1];
      if (d === undefined) return undefined;
      if (/[0-9A-Za-z]/.test(d)) {
        if (!SHORT_ESCAPES.has(d)) return undefined;
        i += 2;
      } else {
        if (d.charCodeAt(0) < 0x80) literal = d;
        i += 2;
      }
    } else if (c === '[') {
      const j = classEnd(p, i);
      if (j < 0) return undefined;
      i = j;
    } else if (c === '(') {
      // flags change what the rest means; named and non-capturing groups are plain groups
      if (p[i + 1] === '?' && !p.startsWith('(?:', i) && !p.startsWith('(?P<', i) && !p.startsWith('(?<', i)) return undefined;
      end();
      depth++;
      i++;
    } else if (c === ')') {
      end();
      if (--depth < 0) return undefined;
      i++;
    } else if (c === '|') {
      // an alternative at the top may match without the literal; inside a group it only ends the run
      if (depth === 0) return undefined;
      i++;
    } else if (c === '{') {
      // a repetition's bounds are no literal; a `{` that starts none is left to RE2 to judge
      const m = /^\{\d+(?:,\d*)?\}/.exec(p.slice(i));
      if (!m) return undefined;
      i += m[0].length;
    } else if (META.has(c)) i++;
    else if (c.charCodeAt(0) < 0x80) {
      literal = c;
      i++;
    } else i++;
    if (literal !== undefined && !QUANTIFIERS.has(p[i] ?? '')) {
      run += literal;
      continue;
    }
    // a quantified character may be absent or repeated: the run ends before it
    end();
  }
  end();
  return depth === 0 && best.length >= MIN_LENGTH ? best : undefined;
}
