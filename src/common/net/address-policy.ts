import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** What an IP address reaches, for deciding whether user input may point a server-side connection at it. */
export enum AddressClass {
  /** Globally routable unicast. */
  Public = 'public',
  /** RFC 1918 (10/8, 172.16/12, 192.168/16), carrier-grade NAT (100.64/10), IPv6 unique local (fc00::/7). */
  Private = 'private',
  /** 127/8 and ::1: this machine's own services. */
  Loopback = 'loopback',
  /** 169.254/16 and fe80::/10. */
  LinkLocal = 'link-local',
  /** Cloud instance metadata and credential endpoints (169.254.169.254, fd00:ec2::254, 100.100.100.200, …). */
  Metadata = 'metadata',
  /** 0/8 and ::. */
  Unspecified = 'unspecified',
  /** 224/4 and ff00::/8. */
  Multicast = 'multicast',
  /** Documentation, benchmarking, protocol-assignment, 240/4 and IPv6 outside global unicast (2000::/3). */
  Reserved = 'reserved',
}

type Rule = readonly [network: string, prefix: number, cls: AddressClass];

/** Checked in order: the first matching range decides (metadata addresses before the ranges containing them). */
const IPV4_RULES: readonly Rule[] = [
  ['169.254.169.254', 32, AddressClass.Metadata], // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
  ['169.254.170.2', 32, AddressClass.Metadata], // AWS ECS task credentials
  ['100.100.100.200', 32, AddressClass.Metadata], // Alibaba Cloud
  ['192.0.0.192', 32, AddressClass.Metadata], // Oracle Cloud (classic)
  ['0.0.0.0', 8, AddressClass.Unspecified],
  ['10.0.0.0', 8, AddressClass.Private],
  ['100.64.0.0', 10, AddressClass.Private],
  ['127.0.0.0', 8, AddressClass.Loopback],
  ['169.254.0.0', 16, AddressClass.LinkLocal],
  ['172.16.0.0', 12, AddressClass.Private],
  ['192.0.0.0', 24, AddressClass.Reserved],
  ['192.0.2.0', 24, AddressClass.Reserved],
  ['192.88.99.0', 24, AddressClass.Reserved],
  ['192.168.0.0', 16, AddressClass.Private],
  ['198.18.0.0', 15, AddressClass.Reserved],
  ['198.51.100.0', 24, AddressClass.Reserved],
  ['203.0.113.0', 24, AddressClass.Reserved],
  ['224.0.0.0', 4, AddressClass.Multicast],
  ['240.0.0.0', 4, AddressClass.Reserved],
];

/** IPv4-mapped, IPv4-compatible, NAT64 and 6to4 addresses are decided before these, by the IPv4 they carry. */
const IPV6_RULES: readonly Rule[] = [
  ['fd00:ec2::254', 128, AddressClass.Metadata], // AWS IMDS over IPv6
  ['::', 128, AddressClass.Unspecified],
  ['::1', 128, AddressClass.Loopback],
  ['fc00::', 7, AddressClass.Private],
  ['fe80::', 10, AddressClass.LinkLocal],
  ['fec0::', 10, AddressClass.Reserved],
  ['ff00::', 8, AddressClass.Multicast],
  ['64:ff9b:1::', 48, AddressClass.Reserved],
  ['100::', 64, AddressClass.Reserved],
  ['2001::', 23, AddressClass.Reserved],
  ['2001:db8::', 32, AddressClass.Reserved],
  ['3fff::', 20, AddressClass.Reserved],
  ['2000::', 3, AddressClass.Public],
];

function compile(rules: readonly Rule[], family: 'ipv4' | 'ipv6'): { list: BlockList; cls: AddressClass }[] {
  return rules.map(([network, prefix, cls]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { list, cls };
  });
}

const V4 = compile(IPV4_RULES, 'ipv4');
const V6 = compile(IPV6_RULES, 'ipv6');

/** The eight 16-bit groups of an IPv6 address (zone id dropped, a trailing dotted quad folded in). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0].toLowerCase();
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined): number[] => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

const ipv4Of = (high: number, low: number): string => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;

function classifyIpv4(address: string): AddressClass {
  return V4.find((rule) => rule.list.check(address, 'ipv4'))?.cls ?? AddressClass.Public;
}

function classifyIpv6(address: string): AddressClass {
  const g = ipv6Groups(address);
  const zeroUpTo = (n: number): boolean => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(5) && g[5] === 0xffff) {
    return classifyIpv4(ipv4Of(g[6], g[7])); // ::ffff:a.b.c.d, IPv4-mapped
  }
  if (zeroUpTo(6) && (g[6] !== 0 || g[7] > 1)) {
    return AddressClass.Reserved; // ::a.b.c.d, IPv4-compatible (deprecated)
  }
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    return classifyIpv4(ipv4Of(g[6], g[7])); // 64:ff9b::/96, NAT64 reaches the IPv4 it carries
  }
  if (g[0] === 0x2002) {
    return classifyIpv4(ipv4Of(g[1], g[2])); // 2002::/16, 6to4
  }
  const bare = address.split('%')[0];
  return V6.find((rule) => rule.list.check(bare, 'ipv6'))?.cls ?? AddressClass.Reserved;
}

/** The class of an IP address (IPv4 or IPv6, with or without a zone id); undefined for anything else (a name). */
export function classifyAddress(address: string): AddressClass | undefined {
  const family = isIP(address.split('%')[0]);
  if (family === 4) {
    return classifyIpv4(address);
  }
  if (family === 6) {
    return classifyIpv6(address);
  }
  return undefined;
}

/** True for an IP address that is not public (loopback, private, link-local, metadata, multicast, reserved…). */
export function isPrivateAddress(address: string): boolean {
  const cls = classifyAddress(address);
  return cls !== undefined && cls !== AddressClass.Public;
}

/** Classes an allow-list entry can open up; link-local, metadata, unspecified, multicast and reserved never. */
const LISTABLE = new Set([AddressClass.Private, AddressClass.Loopback]);

/** `10.0.0.0/8`, `2001:db8::/32`, or a single address (`203.0.113.7` = /32, `::1` = /128) → its parts; else undefined. */
export function parseCidr(value: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address, bits, ...rest] = value.trim().split('/');
  const version = isIP(address);
  if (rest.length > 0 || version === 0) {
    return undefined;
  }
  const max = version === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) {
    return undefined;
  }
  const prefix = bits === undefined ? max : Number(bits);
  return prefix <= max ? { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' } : undefined;
}

/** Host names and CIDR ranges an operator trusts (e.g. `MAIL_ALLOWED_HOSTS=mail.lan,10.1.0.0/16,127.0.0.1`). */
export class AllowList {
  private readonly names = new Set<string>();
  private readonly ranges = new BlockList();

  /** Comma- or space-separated entries; throws naming the first entry that is neither a host name nor a range. */
  constructor(entries: string | readonly string[]) {
    const list = typeof entries === 'string' ? entries.split(/[\s,]+/) : entries;
    for (const raw of list.map((e) => e.trim().toLowerCase()).filter(Boolean)) {
      const entry = raw.replace(/^\[|\]$/g, '');
      const cidr = parseCidr(entry);
      if (cidr) {
        this.ranges.addSubnet(cidr.address, cidr.prefix, cidr.family);
      } else if (/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/.test(entry)) {
        this.names.add(entry.replace(/\.$/, ''));
      } else {
        throw new Error(`"${raw}" is neither a host name, an IP address nor a CIDR range`);
      }
    }
  }

  /** `hostname` as the user wrote it, or an address it resolved to, is listed. */
  covers(address: string, hostname?: string): boolean {
    if (
      hostname &&
      this.names.has(
        hostname
          .toLowerCase()
          .replace(/^\[|\]$/g, '')
          .replace(/\.$/, ''),
      )
    ) {
      return true;
    }
    const bare = address.split('%')[0];
    const family = isIP(bare);
    return family !== 0 && this.ranges.check(bare, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** A connection refused by an AddressPolicy. `addressClass` says why: the class of the (first) refused address. */
export class AddressNotAllowedError extends Error {
  readonly code = 'EADDRNOTALLOWED';

  constructor(
    readonly hostname: string,
    readonly addressClass: AddressClass,
    message = `${hostname} resolves only to private addresses`,
  ) {
    super(message);
    this.name = 'AddressNotAllowedError';
  }
}

export interface AddressPolicyOptions {
  /** Classes reachable for every host, besides public addresses (e.g. Private for a self-hosted network). */
  allow?: readonly AddressClass[];
  /** Hosts and ranges whose private or loopback addresses are reachable (never link-local, metadata, …). */
  allowList?: AllowList;
}

/**
 * Which addresses a server-side connection that user input chose may reach. Public addresses always; other classes
 * only as configured. Its `lookup` goes into the socket options, so the address actually connected to is the one
 * checked (a name that resolves to a public address for a check and to 127.0.0.1 for the connection gains nothing).
 */
export class AddressPolicy {
  private readonly allowed: ReadonlySet<AddressClass>;
  private readonly allowList?: AllowList;

  constructor(options: AddressPolicyOptions = {}) {
    this.allowed = new Set([AddressClass.Public, ...(options.allow ?? [])]);
    this.allowList = options.allowList;
  }

  /** undefined when `address` may be connected to; otherwise its class, the reason for refusing it. */
  refusal(address: string, hostname?: string): AddressClass | undefined {
    const cls = classifyAddress(address) ?? AddressClass.Reserved;
    if (this.allowed.has(cls) || (LISTABLE.has(cls) && this.allowList?.covers(address, hostname))) {
      return undefined;
    }
    return cls;
  }

  /** The allowed subset of `addresses`, or the error naming why none is allowed. */
  private keep(hostname: string, addresses: LookupAddress[]): LookupAddress[] | AddressNotAllowedError {
    const allowed = addresses.filter((entry) => this.refusal(entry.address, hostname) === undefined);
    if (allowed.length > 0) {
      return allowed;
    }
    const first = addresses[0];
    return new AddressNotAllowedError(
      hostname,
      first ? (this.refusal(first.address, hostname) ?? AddressClass.Reserved) : AddressClass.Reserved,
    );
  }

  /** dns.lookup, answering only allowed addresses: for `net.connect`/`tls.connect`/`http.request` options. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const allowed = this.keep(hostname, addresses);
      if (allowed instanceof AddressNotAllowedError) {
        callback(allowed, '', 0);
        return;
      }
      if (options.all) {
        (callback as unknown as (err: null, all: LookupAddress[]) => void)(null, allowed);
      } else {
        callback(null, allowed[0].address, allowed[0].family);
      }
    });
  };

  /**
   * The allowed addresses of `host` (an IP literal, bracketed or not, stands for itself): for checking before any
   * connection, and for connecting to a verified address where a client library takes no `lookup`. Rejects with
   * AddressNotAllowedError, or with the resolver's error (ENOTFOUND…).
   */
  async resolve(host: string): Promise<LookupAddress[]> {
    const bare = host.replace(/^\[|\]$/g, '');
    const family = isIP(bare.split('%')[0]);
    const addresses =
      family !== 0
        ? [{ address: bare, family }]
        : await new Promise<LookupAddress[]>((resolve, reject) =>
            dnsLookup(bare, { all: true }, (error, all) => (error ? reject(error) : resolve(all))),
          );
    const allowed = this.keep(bare, addresses);
    if (allowed instanceof AddressNotAllowedError) {
      throw allowed;
    }
    return allowed;
  }
}

/** Public addresses only: webhooks (unless WEBHOOK_ALLOW_PRIVATE_TARGETS). */
export const PUBLIC_ONLY = new AddressPolicy();

/**
 * Public, private and loopback addresses: webhooks with WEBHOOK_ALLOW_PRIVATE_TARGETS. Link-local, metadata,
 * unspecified, multicast and reserved addresses stay refused — no setting opens the cloud metadata service.
 */
export const PUBLIC_AND_PRIVATE = new AddressPolicy({ allow: [AddressClass.Private, AddressClass.Loopback] });
