import type { IncomingMessage } from 'node:http';
import { clientAddress, trustedProxies } from '../gateway/clientAddress';
import { loadGatewayConfig } from '../gateway/config';
import { clientKeyBehind } from '../gateway/rateLimit';
import { subgraphs } from '../subgraphs';

/** A request as Node gives it: the peer address and the headers. */
const request = (peer: string, forwardedFor?: string, authorization?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: { ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}), ...(authorization ? { authorization } : {}) },
  }) as unknown as IncomingMessage;

describe('the client behind trusted load balancers (TRUSTED_PROXIES)', () => {
  const proxies = trustedProxies(['10.0.0.5', '172.16.0.0/12']);

  test('from a trusted proxy, the rightmost forwarded address it did not add; anything further left is the client’s word', () => {
    expect(clientAddress(request('10.0.0.5', '203.0.113.7'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(request('::ffff:10.0.0.5', 'spoofed, 198.51.100.1, 203.0.113.7, 172.20.0.3'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(request('10.0.0.5'), proxies)).toBe('10.0.0.5');
  });

  test('from anyone else, or with no proxy trusted, the peer: X-Forwarded-For is ignored', () => {
    expect(clientAddress(request('198.51.100.9', '203.0.113.7'), proxies)).toBe('198.51.100.9');
    expect(clientAddress(request('10.0.0.5', '203.0.113.7'), null)).toBe('10.0.0.5');
  });

  test('the rate limit counts anonymous clients apart behind the load balancer, token holders by token', async () => {
    const key = clientKeyBehind(proxies);
    expect(await key(request('10.0.0.5', '203.0.113.7'))).toBe('ip:203.0.113.7');
    expect(await key(request('10.0.0.5', '203.0.113.8'))).toBe('ip:203.0.113.8');
    expect(await key(request('10.0.0.5', '203.0.113.7', 'Bearer abc'))).toMatch(/^token:/);
  });

  test('a bad entry is a configuration error naming it', () => {
    expect(() => loadGatewayConfig({ TRUSTED_PROXIES: '10.0.0.5, 10.0.0.0/33' }, subgraphs)).toThrow(
      /TRUSTED_PROXIES: "10\.0\.0\.0\/33" is neither an IP address nor a CIDR range/,
    );
    expect(() => loadGatewayConfig({ TRUSTED_PROXIES: 'lb.internal' }, subgraphs)).toThrow(/"lb\.internal"/);
    expect(loadGatewayConfig({ TRUSTED_PROXIES: '' }, subgraphs).TRUSTED_PROXIES).toBeNull();
  });
});
