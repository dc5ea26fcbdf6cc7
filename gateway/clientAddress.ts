import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.5`) as the IPv4 address it is. */
const plain = (address: string): string => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/**
 * The load balancers a gateway trusts to say who the client is, from TRUSTED_PROXIES: addresses
 * and CIDR ranges (`10.0.0.5,172.16.0.0/12,fd00::/8`). Throws naming the first entry that is neither.
 */
export function trustedProxies(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits, extra] = entry.split('/');
    const family = isIP(address);
    const prefix = Number(bits);
    const valid =
      family !== 0 && extra === undefined && (bits === undefined || (/^\d{1,3}$/.test(bits) && prefix <= (family === 4 ? 32 : 128)));
    if (!valid) throw new Error(`TRUSTED_PROXIES: "${entry}" is neither an IP address nor a CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, prefix, type);
  }
  return list;
}

const trusts = (proxies: BlockList, address: string): boolean => {
  const ip = plain(address);
  const family = isIP(ip);
  return family !== 0 && proxies.check(ip, family === 4 ? 'ipv4' : 'ipv6');
};

/**
 * The client's address: the connection's peer, unless the peer is a trusted proxy, in which case
 * the rightmost address of X-Forwarded-For that is not itself a trusted proxy (entries further left
 * were written by the client and prove nothing).
 */
export function clientAddress(req: IncomingMessage, proxies: BlockList | null): string | undefined {
  const peer = req.socket.remoteAddress;
  if (!proxies || !peer || !trusts(proxies, peer)) return peer && plain(peer);
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((a) => a.trim())
    .filter((a) => isIP(plain(a)) !== 0);
  for (let i = forwarded.length - 1; i >= 0; i--) if (!trusts(proxies, forwarded[i]!) || i === 0) return plain(forwarded[i]!);
  return plain(peer);
}
