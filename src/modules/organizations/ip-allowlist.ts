import { BlockList, isIP } from 'node:net';
import { parseCidr } from 'src/common/net/address-policy';

const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** The canonical spelling kept in the organization: `address/prefix`, lower-case. */
export function normaliseCidr(value: string): string {
  const cidr = parseCidr(value)!;
  return `${cidr.address.toLowerCase()}/${cidr.prefix}`;
}

const compiled = new Map<string, BlockList>();
const COMPILED_MAX = 1_000;

function compile(cidrs: readonly string[]): BlockList {
  const cacheKey = cidrs.join(',');
  let list = compiled.get(cacheKey);
  if (!list) {
    list = new BlockList();
    for (const entry of cidrs) {
      const cidr = parseCidr(entry);
      if (cidr) {
        list.addSubnet(cidr.address, cidr.prefix, cidr.family);
      }
    }
    if (compiled.size >= COMPILED_MAX) {
      compiled.clear();
    }
    compiled.set(cacheKey, list);
  }
  return list;
}

/** Whether `ip` (as Fastify reports it; IPv4-mapped IPv6 counts as IPv4) lies in one of `cidrs`. */
export function ipAllowed(cidrs: readonly string[], ip: string): boolean {
  const address = MAPPED_V4.exec(ip)?.[1] ?? ip;
  const version = isIP(address);
  if (version === 0) {
    return false;
  }
  return compile(cidrs).check(address, version === 4 ? 'ipv4' : 'ipv6');
}
