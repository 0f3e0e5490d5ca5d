/**
 * The layer rewriter's rules restated on members as a tar reader returns them, for tests that
 * compare a reading of the rewriter's output with a reading of its input: inside the trees group 0,
 * the group bits copied from the user bits (directories also set-group-ID, symbolic links too),
 * set-id bits dropped from files; a hard link goes by its target, and once a name in a tree links a
 * file outside them every later link header of that file (all names joined by links) loses its
 * set-id bits too; whiteouts, global headers and everything outside the trees unchanged. Not a test
 * file itself.
 */
import { posix } from 'node:path';

export interface Member {
  name: string;
  linkname: string;
  /** After Go's reading: a legacy NUL type is '0', or '5' for a name ending in '/'. */
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  /** The size Go gives: for a sparse file its real size. */
  size: number;
  /** SHA-256 of the content; undefined where it is not compared (a sparse file's expanded content). */
  sha256?: string;
  /** Compared when known (Go's reading does not give it). */
  gname?: string;
}

const FILE_TYPES = new Set(['0', '1', '7', 'S']);

const absolute = (name: string) => posix.normalize(`/${name}`).replace(/(.)\/$/, '$1');

/** Names joined by hard links, and which of those files a link in a tree reached from outside them. */
class Files {
  private readonly parent = new Map<string, string>();
  private readonly reached = new Set<string>();

  private root(name: string): string {
    let current = name;
    while (this.parent.has(current) && this.parent.get(current) !== current) current = this.parent.get(current) as string;
    return current;
  }

  link(name: string, target: string): void {
    const [a, b] = [this.root(name), this.root(target)];
    if (a === b) return;
    this.parent.set(a, b);
    if (this.reached.delete(a)) this.reached.add(b);
  }

  reach(name: string): void {
    this.reached.add(this.root(name));
  }

  isReached(name: string): boolean {
    return this.reached.has(this.root(name));
  }
}

export function afterRewrite(members: readonly Member[], trees: readonly string[]): Member[] {
  const under = (path: string) => trees.some((tree) => path === tree || path.startsWith(`${tree}/`));
  const files = new Files();
  return members.map((member) => {
    const path = absolute(member.name);
    const type = member.typeflag;
    if (type === 'g' || posix.basename(path).startsWith('.wh.')) return member;
    const file = FILE_TYPES.has(type);
    let groupZero: boolean;
    if (type === '1') {
      const target = absolute(member.linkname);
      groupZero = under(target);
      files.link(path, target);
      if (!groupZero && under(path)) files.reach(path);
    } else {
      groupZero = (file || type === '5' || type === '2') && under(path);
    }
    let { mode, gid, gname } = member;
    if (groupZero) {
      gid = 0;
      mode |= ((mode >> 6) & 0o7) << 3;
      if (type === '5') mode |= 0o2000;
      if (gname) gname = 'root';
    }
    const unreadable = member.name.includes('\uFFFD') || (type === '1' && member.linkname.includes('\uFFFD'));
    const reached = type === '1' && files.isReached(path);
    if (file && (groupZero || reached || unreadable)) mode &= ~0o6000;
    return gname === undefined ? { ...member, mode, gid } : { ...member, mode, gid, gname };
  });
}
