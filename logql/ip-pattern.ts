// An ip("...") pattern (a single address, a CIDR or a range a-b, IPv4 or IPv6) compiled to a test
// with node's BlockList: the pipeline matches with it, the parser checks patterns with it.
import { BlockList, isIP } from 'node:net';
import { quote } from '../model/labels.ts';
import { QueryError } from './errors.ts';

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
