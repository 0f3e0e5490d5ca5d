/** Reading /etc/passwd to turn a named USER into its uid, gid and home directory. */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [name, , uid, gid, , home] = line.split(':');
    if (!name || uid === undefined || gid === undefined || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) continue;
    entries.push({ name, uid: Number(uid), gid: Number(gid), home: home ?? '' });
  }
  return entries;
}

export function lookupUser(entries: PasswdEntry[], user: string): PasswdEntry | undefined {
  const name = user.split(':')[0] ?? '';
  if (/^\d+$/.test(name)) return entries.find((e) => e.uid === Number(name));
  return entries.find((e) => e.name === name);
}
