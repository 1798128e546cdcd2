// The one policy for every URL the sandbox itself fetches or posts to (media sources, webhooks,
// callbacks). Users hand the sandbox URLs, so it must not become a way into the machine's network
// (SSRF): link-local and cloud-metadata addresses are refused in every spelling (IPv4 numeric
// forms, IPv4-mapped, -compatible and -translated IPv6, NAT64, 6to4, Teredo), and so are the
// unspecified, multicast and reserved ranges; loopback is always allowed (local development and
// tests); private and public hosts only when the user lists them (--allow-host). The check is on
// the resolved address, and the caller connects to exactly that address (`lookup` pins it), so a
// second DNS answer cannot swap it. Network failures are told apart from policy refusals, but not
// from one another: a closed port, a filtered one and an unreachable host read the same, so the
// error texts cannot serve as a port scanner.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';

export type AddressClass = 'loopback' | 'private' | 'public' | 'refused';

export interface Classified {
  class: AddressClass;
  /** why it is refused ("a cloud metadata address", …) */
  reason?: string;
}

export interface OutboundOptions {
  /** hosts that may be reached besides loopback: names, IP literals, `*.example.com`, or `*` for any public host */
  allowHosts?: readonly string[];
  /** resolver (tests); default node:dns lookup with all addresses */
  resolve?: (host: string) => Promise<{ address: string; family: number }[]>;
}

export type OutboundDecision =
  | { ok: true; address: string; family: 4 | 6; class: AddressClass; lookup: LookupFunction }
  | { ok: false; message: string; /** the policy refuses the URL (true), or its host did not resolve */ refused: boolean };

/** How a user lets a host through (named in refusals). */
export const ALLOW_FLAG = '--allow-host';

const METADATA_HOSTNAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'metadata.azure.internal', 'instance-data', 'instance-data.ec2.internal']);
/** Metadata services outside the link-local ranges (AWS IPv6, Alibaba, Oracle). */
const METADATA_V4 = new Set(['100.100.100.200', '192.0.0.192']);

/** An IPv4 address in any spelling inet_aton accepts (1–4 parts, decimal/octal/hex), as 4 bytes. */
export function parseIPv4(text: string): [number, number, number, number] | null {
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4 || parts.some((p) => p === '')) return null;
  const values: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) n = parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) n = parseInt(p, 10);
    else return null;
    if (!Number.isSafeInteger(n)) return null;
    values.push(n);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255) || last >= 256 ** (4 - values.length)) return null;
  const bytes = [...values];
  for (let i = 3 - values.length; i >= 0; i--) bytes.push(Math.floor(last / 256 ** i) % 256);
  return bytes as [number, number, number, number];
}

/** An IPv6 address as 8 groups of 16 bits (a trailing dotted quad included), or null. */
export function ipv6Groups(address: string): number[] | null {
  let text = address.replace(/^\[|\]$/g, '').toLowerCase().split('%')[0]!;
  if (isIP(text) !== 6) return null;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -quad[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  return [...headGroups, ...Array<string>(tail !== undefined ? missing : 0).fill('0'), ...tailGroups].map((g) => parseInt(g || '0', 16));
}

function v4Of(hi: number, lo: number): [number, number, number, number] {
  return [hi >> 8, hi & 255, lo >> 8, lo & 255];
}

function classifyV4([a, b, c, d]: [number, number, number, number]): Classified {
  const dotted = `${a}.${b}.${c}.${d}`;
  if (a === 127) return { class: 'loopback' };
  if (dotted === '169.254.169.254' || METADATA_V4.has(dotted)) return { class: 'refused', reason: 'a cloud metadata address' };
  if (a === 169 && b === 254) return { class: 'refused', reason: 'a link-local address' };
  if (a === 0) return { class: 'refused', reason: 'an unspecified ("this network") address' };
  if (a >= 224) return { class: 'refused', reason: a < 240 ? 'a multicast address' : 'a reserved address' };
  if (a === 192 && b === 0 && c === 0) return { class: 'refused', reason: 'a reserved (IETF protocol) address' };
  if (a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b < 128) || (a === 198 && (b === 18 || b === 19))) {
    return { class: 'private' };
  }
  return { class: 'public' };
}

/**
 * What an IPv4 address carried inside another IPv6 address reaches: refused stays refused, and
 * loopback through a translator or tunnel is not this machine's loopback.
 */
function embedded(v4: [number, number, number, number], via: string): Classified {
  const inner = classifyV4(v4);
  if (inner.class === 'refused') return { class: 'refused', reason: `${inner.reason} (inside ${via})` };
  if (inner.class === 'loopback') return { class: 'refused', reason: `a loopback address inside ${via}` };
  return inner;
}

/** The class of one IP address (IPv4 in any inet_aton spelling, or IPv6); refused when unreadable. */
export function classifyAddress(address: string): Classified {
  const v4 = isIP(address) === 4 || !address.includes(':') ? parseIPv4(address) : null;
  if (v4) return classifyV4(v4);
  const g = ipv6Groups(address);
  if (!g) return { class: 'refused', reason: 'not an IP address' };
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return { class: 'refused', reason: 'the unspecified address' };
  if (zeros(0, 7) && g[7] === 1) return { class: 'loopback' };
  // IPv4-mapped (::ffff:a.b.c.d): the socket really talks IPv4 to that address.
  if (zeros(0, 5) && g[5] === 0xffff) return classifyV4(v4Of(g[6]!, g[7]!));
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return embedded(v4Of(g[6]!, g[7]!), 'an IPv4-translated address');
  if (zeros(0, 6)) return embedded(v4Of(g[6]!, g[7]!), 'an IPv4-compatible address');
  if (g[0] === 0x64 && g[1] === 0xff9b && (zeros(2, 6) || g[2] === 1)) return embedded(v4Of(g[6]!, g[7]!), 'a NAT64 address');
  if (g[0] === 0x2002) return embedded(v4Of(g[1]!, g[2]!), 'a 6to4 address');
  if (g[0] === 0x2001 && g[1] === 0) {
    const server = embedded(v4Of(g[2]!, g[3]!), 'a Teredo address');
    if (server.class === 'refused') return server;
    return embedded(v4Of(~g[6]! & 0xffff, ~g[7]! & 0xffff), 'a Teredo address');
  }
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && zeros(2, 7) && g[7] === 0x254) return { class: 'refused', reason: 'a cloud metadata address' };
  if ((g[0]! & 0xffc0) === 0xfe80) return { class: 'refused', reason: 'a link-local address' };
  if ((g[0]! & 0xff00) === 0xff00) return { class: 'refused', reason: 'a multicast address' };
  if (g[0] === 0x0100 && zeros(1, 4)) return { class: 'refused', reason: 'a discard-only address' };
  if ((g[0]! & 0xfe00) === 0xfc00 || (g[0]! & 0xffc0) === 0xfec0) return { class: 'private' };
  return { class: 'public' };
}

/** Why a host name must not be contacted at all (before DNS), or undefined. */
export function refusedHostname(hostname: string): string | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return METADATA_HOSTNAMES.has(host) ? 'a cloud metadata host' : undefined;
}

const normalHost = (h: string) => h.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');

/** How `allowHosts` lists a host: by name or literal, by a `*.suffix`, by the bare `*`, or not at all. */
export function listing(hostname: string, allowHosts: readonly string[] | undefined): 'named' | 'wildcard' | undefined {
  const host = normalHost(hostname);
  let how: 'named' | 'wildcard' | undefined;
  for (const entry of allowHosts ?? []) {
    const e = normalHost(entry);
    if (e === host || (e.startsWith('*.') && host.endsWith(e.slice(1)))) return 'named';
    if (e === '*') how = 'wildcard';
  }
  return how;
}

/** The message for a network failure: the same whether the port was closed, filtered or unreachable. */
export function unreachable(url: URL, timeoutMs?: number): string {
  return `no HTTP answer from ${url.host}${timeoutMs ? ` within ${timeoutMs} ms` : ''} (refused, unreachable or timed out)`;
}

/** A lookup function that answers with one address, whatever is asked (connection pinning). */
export function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return ((_host: string, opts: { all?: boolean } | ((...args: unknown[]) => void), cb?: (...args: unknown[]) => void) => {
    const done = typeof opts === 'function' ? opts : cb!;
    const all = typeof opts === 'object' && opts?.all;
    if (all) done(null, [{ address, family }]);
    else done(null, address, family);
  }) as LookupFunction;
}

const refusal = (message: string): OutboundDecision => ({ ok: false, message: `not allowed: ${message}`, refused: true });
const unresolved = (message: string): OutboundDecision => ({ ok: false, message, refused: false });

/**
 * Decide whether `url` may be contacted, and at which address. The refusal says why and, for a
 * host the user could allow, how.
 */
export async function checkOutbound(url: URL, options: OutboundOptions = {}): Promise<OutboundDecision> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refusal(`only http and https URLs, not ${url.protocol}`);
  const host = normalHost(url.hostname);
  const byName = refusedHostname(host);
  if (byName) return refusal(`${host} is ${byName}`);
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await (options.resolve ?? ((h) => dnsLookup(h, { all: true, verbatim: true })))(host);
    } catch (err) {
      return unresolved(`cannot resolve ${host} (${(err as NodeJS.ErrnoException).code ?? 'no answer'})`);
    }
    if (!addresses.length) return unresolved(`cannot resolve ${host} (no address)`);
  }
  // Any refused address makes the whole name suspect (a rebinding setup), not only the first.
  for (const a of addresses) {
    const c = classifyAddress(a.address);
    if (c.class === 'refused') return refusal(`${host === a.address ? host : `${host} resolves to ${a.address}, which`} is ${c.reason}`);
  }
  const chosen = addresses[0]!;
  const cls = classifyAddress(chosen.address).class;
  const listed = listing(host, options.allowHosts);
  const hint = `allow it with ${ALLOW_FLAG} ${host}`;
  if (cls === 'private' && listed !== 'named') {
    return refusal(`${host}${host === chosen.address ? '' : ` (${chosen.address})`} is a private address; ${hint}`);
  }
  if (cls === 'public' && !listed) return refusal(`${host} is not in the allowed hosts; ${hint} (or ${ALLOW_FLAG} '*' for any public host)`);
  const family = (chosen.family === 6 ? 6 : 4) as 4 | 6;
  return { ok: true, address: chosen.address, family, class: cls, lookup: pinnedLookup(chosen.address, family) };
}
