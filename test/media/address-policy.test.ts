// Which addresses a remote src may reach: link-local and metadata refused in every spelling.
import { describe, expect, it } from 'vitest';
import { hostListed, isLoopback, refusedAddressReason, refusedHostnameReason } from '../../src/media/address-policy.ts';

describe('refusedAddressReason', () => {
  it.each([
    ['169.254.169.254', /metadata/],
    ['169.254.1.2', /link-local/],
    ['::ffff:169.254.169.254', /metadata/],
    // What the URL parser makes of http://[::ffff:169.254.169.254]/
    ['::ffff:a9fe:a9fe', /metadata/],
    ['fe80::1', /link-local/],
    ['febf:ffff::1', /link-local/],
    ['fd00:ec2::254', /metadata/],
    ['fd00:ec2:0:0:0:0:0:254', /metadata/],
    ['0.0.0.0', /unspecified/],
    ['::', /unspecified/],
  ])('refuses %s', (address, reason) => {
    expect(refusedAddressReason(address)).toMatch(reason);
  });

  it.each(['127.0.0.1', '::1', '10.0.0.1', '192.168.1.10', '172.16.0.1', '8.8.8.8', 'fd00::1', 'fec0::1', '2001:db8::1'])('allows %s', (address) => {
    expect(refusedAddressReason(address)).toBeNull();
  });
});

it('knows cloud metadata host names', () => {
  expect(refusedHostnameReason('metadata.google.internal')).toMatch(/metadata/);
  expect(refusedHostnameReason('METADATA.GOOGLE.INTERNAL.')).toMatch(/metadata/);
  expect(refusedHostnameReason('cdn.example.com')).toBeNull();
});

it('treats every loopback spelling as loopback', () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1']) expect(isLoopback(a)).toBe(true);
  for (const a of ['10.0.0.1', '::2', '169.254.0.1']) expect(isLoopback(a)).toBe(false);
});

it('an allow-list matches host names case-insensitively, and allows everything when absent', () => {
  expect(hostListed('CDN.example.com', ['cdn.example.com'])).toBe(true);
  expect(hostListed('other.example.com', ['cdn.example.com'])).toBe(false);
  expect(hostListed('anything', undefined)).toBe(true);
});
