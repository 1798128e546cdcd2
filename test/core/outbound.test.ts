// The outbound address policy: what the sandbox may fetch from or post to.
import { describe, expect, it } from 'vitest';
import { checkOutbound, classifyAddress, listing, parseIPv4, unreachable } from '../../src/core/outbound.ts';

describe('link-local and metadata are refused in every spelling', () => {
  it.each([
    ['169.254.169.254', /metadata/],
    ['169.254.1.2', /link-local/],
    // inet_aton spellings: decimal, hex, octal, mixed, short forms
    ['2852039166', /metadata/],
    ['0xa9fea9fe', /metadata/],
    ['0xa9.0xfe.0xa9.0xfe', /metadata/],
    ['0251.0376.0251.0376', /metadata/],
    ['169.254.43518', /metadata/],
    ['169.16689662', /metadata/],
    // IPv4-mapped, -compatible, -translated; NAT64, 6to4, Teredo
    ['::ffff:169.254.169.254', /metadata/],
    ['::ffff:a9fe:a9fe', /metadata/],
    ['::a9fe:a9fe', /metadata.*IPv4-compatible/],
    ['::169.254.169.254', /metadata/],
    ['::ffff:0:a9fe:a9fe', /metadata.*IPv4-translated/],
    ['64:ff9b::a9fe:a9fe', /metadata.*NAT64/],
    ['64:ff9b::169.254.169.254', /metadata.*NAT64/],
    ['64:ff9b:1::a9fe:a9fe', /metadata.*NAT64/],
    ['2002:a9fe:a9fe::1', /metadata.*6to4/],
    ['2001:0:a9fe:a9fe::1', /metadata.*Teredo/],
    ['2001:0:4136:e378:8000:63bf:5601:5601', /metadata.*Teredo/], // the client address is stored inverted
    ['fe80::1', /link-local/],
    ['febf:ffff::1', /link-local/],
    ['fd00:ec2::254', /metadata/],
    ['fd00:ec2:0:0:0:0:0:254', /metadata/],
    ['100.100.100.200', /metadata/],
    ['0.0.0.0', /unspecified/],
    ['0', /unspecified/],
    ['::', /unspecified/],
    ['224.0.0.1', /multicast/],
    ['ff02::1', /multicast/],
    ['255.255.255.255', /reserved/],
    ['::7f00:1', /loopback address inside/],
  ])('refuses %s', (address, reason) => {
    const c = classifyAddress(address);
    expect(c.class, address).toBe('refused');
    expect(c.reason).toMatch(reason);
  });

  it('classifies loopback, private and public', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '2130706433', '0x7f.1', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1']) expect(classifyAddress(a).class, a).toBe('loopback');
    for (const a of ['10.0.0.1', '192.168.1.10', '172.16.0.1', '172.31.255.255', '100.64.0.1', 'fd00::1', 'fc00::1', 'fec0::1', '::ffff:10.0.0.1', '64:ff9b::a00:1']) expect(classifyAddress(a).class, a).toBe('private');
    for (const a of ['8.8.8.8', '172.32.0.1', '2001:db8::1', '2606:4700::1111', '64:ff9b::808:808']) expect(classifyAddress(a).class, a).toBe('public');
  });

  it('parses inet_aton forms and refuses nonsense', () => {
    expect(parseIPv4('1.2.3.4')).toEqual([1, 2, 3, 4]);
    expect(parseIPv4('1.2.772')).toEqual([1, 2, 3, 4]);
    expect(parseIPv4('16909060')).toEqual([1, 2, 3, 4]);
    for (const bad of ['1.2.3.256', '1.2.3.4.5', '08.1.1.1', 'a.b.c.d', '', '1..2', '4294967296']) expect(parseIPv4(bad), bad).toBeNull();
  });
});

describe('checkOutbound', () => {
  const resolveTo = (...addresses: string[]) => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('loopback always; private only when named; public when listed or with *', async () => {
    expect(await checkOutbound(new URL('http://127.0.0.1:9/x'))).toMatchObject({ ok: true, class: 'loopback' });
    expect(await checkOutbound(new URL('http://localhost/x'), { resolve: resolveTo('127.0.0.1') })).toMatchObject({ ok: true, address: '127.0.0.1' });
    const privateRefused = await checkOutbound(new URL('http://files.internal/x'), { resolve: resolveTo('10.1.2.3') });
    expect(privateRefused).toMatchObject({ ok: false, message: expect.stringMatching(/files\.internal \(10\.1\.2\.3\) is a private address; allow it with --allow-host files\.internal/) });
    expect(await checkOutbound(new URL('http://files.internal/x'), { allowHosts: ['*'], resolve: resolveTo('10.1.2.3') })).toMatchObject({ ok: false });
    expect(await checkOutbound(new URL('http://files.internal/x'), { allowHosts: ['files.internal'], resolve: resolveTo('10.1.2.3') })).toMatchObject({ ok: true, class: 'private' });
    expect(await checkOutbound(new URL('http://cdn.example.com/x'), { resolve: resolveTo('93.184.216.34') })).toMatchObject({ ok: false, message: expect.stringMatching(/not in the allowed hosts; allow it with --allow-host cdn\.example\.com/) });
    expect(await checkOutbound(new URL('http://cdn.example.com/x'), { allowHosts: ['*.example.com'], resolve: resolveTo('93.184.216.34') })).toMatchObject({ ok: true, address: '93.184.216.34' });
    expect(await checkOutbound(new URL('http://cdn.example.com/x'), { allowHosts: ['*'], resolve: resolveTo('93.184.216.34') })).toMatchObject({ ok: true });
  });

  it('a listed host that resolves to a refused address (or has one among several) is refused', async () => {
    const r = await checkOutbound(new URL('http://cdn.example.com/x'), { allowHosts: ['cdn.example.com'], resolve: resolveTo('93.184.216.34', '169.254.169.254') });
    expect(r).toMatchObject({ ok: false, message: expect.stringMatching(/resolves to 169\.254\.169\.254, which is a cloud metadata address/) });
    expect(await checkOutbound(new URL('http://[::ffff:a9fe:a9fe]/'), { allowHosts: ['*'] })).toMatchObject({ ok: false, message: expect.stringMatching(/metadata/) });
    expect(await checkOutbound(new URL('http://metadata.google.internal/'), { allowHosts: ['*'] })).toMatchObject({ ok: false, message: expect.stringMatching(/metadata host/) });
    // The URL parser turns numeric spellings into dotted ones before the check.
    expect(await checkOutbound(new URL('http://0xa9fea9fe/'), { allowHosts: ['*'] })).toMatchObject({ ok: false, message: expect.stringMatching(/169\.254\.169\.254 is a cloud metadata address/) });
  });

  it('pins the connection to the checked address', async () => {
    const r = await checkOutbound(new URL('http://a.example/'), { allowHosts: ['a.example'], resolve: resolveTo('93.184.216.34') });
    if (!r.ok) throw new Error(r.message);
    const got = await new Promise<unknown[]>((res) => r.lookup('other.example', {}, (...args: unknown[]) => res(args)));
    expect(got).toEqual([null, '93.184.216.34', 4]);
    const all = await new Promise<unknown[]>((res) => r.lookup('other.example', { all: true }, (...args: unknown[]) => res(args)));
    expect(all).toEqual([null, [{ address: '93.184.216.34', family: 4 }]]);
  });

  it('listing and the network-failure text', () => {
    expect(listing('CDN.example.com.', ['cdn.example.com'])).toBe('named');
    expect(listing('a.b.example.com', ['*.example.com'])).toBe('named');
    expect(listing('example.com', ['*.example.com'])).toBeUndefined();
    expect(listing('x', ['*'])).toBe('wildcard');
    expect(unreachable(new URL('http://127.0.0.1:1/'), 500)).toBe(unreachable(new URL('http://127.0.0.1:1/'), 500));
  });
});
