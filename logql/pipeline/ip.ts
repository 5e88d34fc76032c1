// Finds the addresses in a line for ip("...") line and label filters, where Loki finds them.
import type { IpTest } from '../ip-pattern.ts';

// Which bytes an address may hold, by family, as bits of one table.
const V4 = 1;
const V6 = 2;
const CHARSET = new Uint8Array(256);
for (const c of '0123456789.') CHARSET[c.charCodeAt(0)] |= V4 | V6;
for (const c of 'abcdefABCDEF:') CHARSET[c.charCodeAt(0)] |= V6;
const DOT = 0x2e;
const COLON = 0x3a;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** A digit with a dot within the next three bytes. */
const v4Hint = (b: Buffer, i: number) => isDigit(b[i]) && (b[i + 1] === DOT || b[i + 2] === DOT || b[i + 3] === DOT);

/** `::` before a hex digit, or one to four hex digits before a colon. */
function v6Hint(b: Buffer, i: number): boolean {
  if (b[i] === COLON) return b[i + 1] === COLON && isHex(b[i + 2]);
  let k = 0;
  while (k < 4 && isHex(b[i + k])) k++;
  return k > 0 && b[i + k] === COLON;
}

/**
 * True when some address in the line passes. Candidates are found as Loki 2.8.11 finds them, which
 * decides what matches: a hint starts one only where 4 (IPv4) or 5 (IPv6) bytes are left, it runs
 * over its family's characters (so a `:port` or a bracket ends an IPv4 candidate, a trailing dot
 * does not and spoils it), and after a candidate that fails the scan resumes one byte past its end.
 */
export function lineHasIp(test: IpTest, line: Buffer): boolean {
  const n = line.length;
  for (let i = 0; i < n; i++) {
    let family: number;
    if (i + 3 < n && v4Hint(line, i)) family = V4;
    else if (i + 4 < n && v6Hint(line, i)) family = V6;
    else continue;
    let end = i;
    while (end < n && CHARSET[line[end]] & family) end++;
    if (test(line.toString('latin1', i, end))) return true;
    i = end;
  }
  return false;
}
