// Regexp errors worded as Go's regexp package words them (Loki compiles with it), from RE2's own:
// `error parsing regexp: missing closing ): `(``.
import RE2 from 're2';

/** RE2's wording → Go's, for the errors users meet. */
const GO_CODES: Array<[RegExp, string]> = [
  [/^missing \)$/, 'missing closing )'],
  [/^missing \]$/, 'missing closing ]'],
  [/^bad repetition operator$/, 'invalid nested repetition operator'],
  [/^no argument for repetition operator$/, 'missing argument to repetition operator'],
  [/^invalid repetition size$/, 'invalid repeat count'],
  [/^invalid perl operator$/, 'invalid or unsupported Perl syntax'],
  [/^invalid named capture group$/, 'invalid named capture'],
  [/^bad character class$/, 'invalid character class'],
  [/^bad UTF-8$/, 'invalid UTF-8'],
];

/** Go's text for why the pattern does not compile, or undefined when it compiles. */
export function regexpError(pattern: string, flags?: string): string | undefined {
  try {
    new RE2(pattern, flags);
    return undefined;
  } catch (err) {
    const msg = (err as Error).message.replace(/^Invalid regular expression: /, '');
    if (msg === 'trailing \\') return 'error parsing regexp: trailing backslash at end of expression: ``';
    const m = /^([^:]*)(?:: (.*))?$/s.exec(msg)!;
    const code = GO_CODES.find(([re]) => re.test(m[1]))?.[1] ?? m[1];
    return m[2] === undefined ? `error parsing regexp: ${code}` : `error parsing regexp: ${code}: \`${m[2]}\``;
  }
}
