import { isIPv4, isIPv6 } from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * The address a connection is counted against ([F7]). IPv4 addresses count
 * as themselves (an IPv4-mapped IPv6 address as its IPv4); IPv6 addresses
 * by their /64, because one host usually holds a whole /64 and could
 * otherwise pick a fresh address for every connection.
 *
 * Behind a proxy every socket comes from the proxy, so with `trustProxy` the
 * last `X-Forwarded-For` entry is used: the one the proxy itself appended.
 * Earlier entries are whatever the client sent and are never trusted.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return addressKey(peer);
  const header = req.headers['x-forwarded-for'];
  const joined = Array.isArray(header) ? header.join(',') : header;
  const last = joined?.split(',').at(-1)?.trim();
  return last !== undefined && last !== '' && (isIPv4(last) || isIPv6(last)) ? addressKey(last) : addressKey(peer);
}

export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1]!;
  if (!isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, in lower-case hex without leading zeros. */
function expandIPv6(address: string): string[] {
  const bare = address.split('%')[0]!;
  const [head, tail] = bare.includes('::') ? bare.split('::') : [bare, undefined];
  const headGroups = head === '' || head === undefined ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail (::ffff:1.2.3.4 was handled above; others are rare) counts as two groups.
  const expandV4 = (groups: string[]) =>
    groups.flatMap((g) => (g.includes('.') ? ipv4Groups(g) : [g]));
  const h = expandV4(headGroups);
  const t = expandV4(tailGroups);
  const zeros = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...zeros, ...t].map((g) => parseInt(g, 16).toString(16));
}

function ipv4Groups(v4: string): string[] {
  const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
