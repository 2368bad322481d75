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
  return (address) => {
    if (address === undefined || address === '') return true;
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    if (family === 0) return false;
    return block.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}
