// ip("...") matching for line and label filters: a single address, a CIDR or a range a-b,
// IPv4 or IPv6, checked with node's BlockList.
import { BlockList, isIP } from 'node:net';
import { QueryError } from '../eval/errors.ts';
import { quote } from '../../model/labels.ts';

export type IpTest = (address: string) => boolean;

export function compileIp(pattern: string): IpTest {
  const list = new BlockList();
  const p = pattern.trim();
  const family = (a: string) => (isIP(a) === 6 ? 'ipv6' : 'ipv4');
  try {
    if (p.includes('/')) {
      const [net, bits] = p.split('/');
      if (!isIP(net) || !/^\d+$/.test(bits)) throw new Error();
      list.addSubnet(net, Number(bits), family(net));
    } else if (p.includes('-')) {
      const [a, b] = p.split('-').map((s) => s.trim());
      if (!isIP(a) || isIP(a) !== isIP(b)) throw new Error();
      list.addRange(a, b, family(a));
    } else {
      if (!isIP(p)) throw new Error();
      list.addAddress(p, family(p));
    }
  } catch {
    // Loki's words; the parser puts them in its `stage '...' : ` error
    throw new QueryError(`ip: invalid pattern: ${quote(pattern)}`);
  }
  // BlockList matches an IPv4-mapped IPv6 address against IPv4 rules and the reverse; Go's netip,
  // which Loki matches with, never mixes families: an address must be of the pattern's
  const version = isIP(p.split(/[/-]/)[0].trim());
  return (address) => isIP(address) === version && list.check(address, family(address));
}

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
