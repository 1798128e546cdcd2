/**
 * Which network addresses a remote `src` may be fetched from.
 * Addresses are compared in canonical form, so an IPv4-mapped IPv6 spelling
 * (`[::ffff:a9fe:a9fe]` is 169.254.169.254) cannot slip past the IPv4 rules.
 *
 * The sandbox fetches URLs its users hand it, so it must not become a way to
 * reach cloud metadata services or link-local hosts (SSRF). Loopback stays
 * allowed (local development and tests serve media from 127.0.0.1); private
 * ranges and public hosts are allowed unless `allowHosts` narrows them.
 */
import { isIP } from 'node:net';

const BLOCKED_HOSTNAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);

/** Exact addresses of metadata services outside the link-local ranges. */
const BLOCKED_ADDRESSES = new Set(['fd00:ec2::254', '100.100.100.200']);

/** Expand an IPv6 address to 8 groups of 16 bits; null when it is not IPv6. */
function ipv6Groups(address: string): number[] | null {
  if (isIP(address) !== 6) return null;
  let text = address.toLowerCase().split('%')[0]!;
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -quad[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail !== undefined ? missing : 0).fill('0'), ...tailGroups];
  return groups.map((g) => parseInt(g || '0', 16));
}

/** The IPv4 address hidden in an IPv4-mapped IPv6 address (::ffff:a.b.c.d), if any. */
function mappedIpv4(groups: number[]): string | null {
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const hi = groups[6]!;
    const lo = groups[7]!;
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return null;
}

function canonical(address: string): string {
  const groups = ipv6Groups(address);
  if (!groups) return address;
  const v4 = mappedIpv4(groups);
  if (v4) return v4;
  return groups.map((g) => g.toString(16)).join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

export function isLoopback(address: string): boolean {
  const a = canonical(address);
  if (isIP(a) === 4) return a.startsWith('127.');
  return a === '::1';
}

/** Why this resolved address must not be contacted, or null when it may. */
export function refusedAddressReason(address: string): string | null {
  const a = canonical(address);
  if (BLOCKED_ADDRESSES.has(a)) return `${address} is a cloud metadata address`;
  if (isIP(a) === 4) {
    const [first, second] = a.split('.').map(Number);
    if (first === 169 && second === 254) {
      return a === '169.254.169.254'
        ? `${address} is a cloud metadata address`
        : `${address} is a link-local address`;
    }
    if (a === '0.0.0.0') return `${address} is the unspecified address`;
    return null;
  }
  const groups = ipv6Groups(a);
  if (groups) {
    if ((groups[0]! & 0xffc0) === 0xfe80) return `${address} is a link-local address`;
    if (groups.every((g) => g === 0)) return `${address} is the unspecified address`;
  }
  return null;
}

/** Why this host name must not be contacted at all (before DNS), or null. */
export function refusedHostnameReason(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (BLOCKED_HOSTNAMES.has(host)) return `${hostname} is a cloud metadata host`;
  return null;
}

/** Whether `allowHosts` (when set) lets this host through; loopback addresses always pass. */
export function hostListed(hostname: string, allowHosts: string[] | undefined): boolean {
  if (!allowHosts) return true;
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return allowHosts.some((h) => h.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '') === host);
}
