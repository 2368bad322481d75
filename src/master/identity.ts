// Turns --user and --group (names or numbers) into the uid and gid workers are
// started with. Names come from /etc/passwd and /etc/group: Node has no
// getpwnam. Called once by the arbiter at start; master only.

import { readFileSync } from '../node-fs.js';
import { NarwhalError } from '../errors.js';

export interface Identity {
  readonly uid?: number;
  readonly gid?: number;
}

/** name -> [id, primary gid] from a passwd- or group-style file. */
function lookup(file: string, name: string): [number, number] | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields.length >= 3) return [Number(fields[2]), Number(fields[3] ?? fields[2])];
  }
  return null;
}

export function resolveIdentity(user: string | null, group: string | null): Identity {
  let uid: number | undefined;
  let gid: number | undefined;
  if (user !== null) {
    if (/^\d+$/.test(user)) uid = Number(user);
    else {
      const entry = lookup('/etc/passwd', user);
      if (!entry) throw new NarwhalError('CONFIG', `no such user "${user}" (--user): give a name from /etc/passwd or a numeric uid`);
      [uid, gid] = entry;
    }
  }
  if (group !== null) {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const entry = lookup('/etc/group', group);
      if (!entry) throw new NarwhalError('CONFIG', `no such group "${group}" (--group): give a name from /etc/group or a numeric gid`);
      gid = entry[0];
    }
  }
  const identity: { uid?: number; gid?: number } = {};
  if (uid !== undefined) identity.uid = uid;
  if (gid !== undefined) identity.gid = gid;
  if ((uid !== undefined || gid !== undefined) && process.getuid?.() !== 0 && uid !== process.getuid?.()) {
    throw new NarwhalError('CONFIG', 'only root can start workers as another user (--user/--group)');
  }
  return identity;
}
