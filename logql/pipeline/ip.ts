// ip("...") matching for line and label filters: a single address, a CIDR or a range a-b,
// IPv4 or IPv6, checked with node's BlockList.
import { BlockList, isIP } from 'node:net';
import { QueryError } from '../eval/errors.ts';
import { quote } from '../labels.ts';

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
  return (address) => {
    const v = isIP(address);
    return v !== 0 && list.check(address, v === 6 ? 'ipv6' : 'ipv4');
  };
}

const CANDIDATES = /[0-9a-fA-F:.]{2,}/g;

/** True when some address in the line passes. */
export function lineHasIp(test: IpTest, line: string): boolean {
  for (const m of line.matchAll(CANDIDATES)) if (test(m[0].replace(/^[:.]+|[.]+$/g, ''))) return true;
  return false;
}
