// Allow lists of peers (`forwarded_allow_ips`, `proxy_allow_ips`): exact
// addresses, CIDR ranges or `*`. Built once per server from the config; pure
// lookups afterwards. Runs in workers.

import { BlockList, isIP } from 'node:net';

export type PeerMatcher = (address: string | undefined) => boolean;

/** `undefined` (a unix socket has no peer address) always matches, as in Gunicorn. */
export function peerMatcher(entries: readonly string[]): PeerMatcher {
  const list = entries.map((e) => e.trim()).filter(Boolean);
  if (list.includes('*')) return () => true;
  const block = new BlockList();
  for (const entry of list) {
    const [addr = '', bits] = entry.split('/');
    const family = isIP(addr) === 6 ? 'ipv6' : isIP(addr) === 4 ? 'ipv4' : null;
    if (!family) continue;
    if (bits === undefined) block.addAddress(addr, family);
    else block.addSubnet(addr, Number(bits), family);
  }
  // Each new connection asks once or twice, nearly always for the same few peers (a balancer, a
  // proxy, localhost): the last answer is kept, which spares two isIP parses and the list lookup.
  let lastAddress = '';
  let lastAnswer = false;
  return (address) => {
    if (address === undefined || address === '') return true;
    if (address === lastAddress) return lastAnswer;
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    const answer = family !== 0 && block.check(plain, family === 6 ? 'ipv6' : 'ipv4');
    lastAddress = address;
    lastAnswer = answer;
    return answer;
  };
}
