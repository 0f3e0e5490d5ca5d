/**
 * The engine's stat of a path in a container (HEAD /containers/{id}/archive): the
 * X-Docker-Container-Path-Stat header, base64 JSON with Go's os.FileMode bits.
 */
export interface PathStat {
  name: string;
  size: number;
  type: 'directory' | 'symlink' | 'file' | 'other';
  /** Permission bits (0o777; Go keeps set-uid, set-gid and sticky apart). */
  mode: number;
  /** For a symbolic link: its target, fully resolved inside the container's file system. */
  linkTarget: string;
}

// Go's os.FileMode type bits.
const MODE_DIR = 31;
const MODE_SYMLINK = 27;
const MODE_OTHER = [26, 25, 24, 21, 19]; // device, named pipe, socket, char device, irregular
const bit = (mode: number, n: number) => Math.floor(mode / 2 ** n) % 2 === 1;

/** Parses the header's value; undefined when it is absent or not what the engine sends. */
export function parsePathStat(header: string | undefined): PathStat | undefined {
  if (!header) return undefined;
  let raw: { name?: unknown; size?: unknown; mode?: unknown; linkTarget?: unknown };
  try {
    raw = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as typeof raw;
  } catch {
    return undefined;
  }
  if (typeof raw?.mode !== 'number') return undefined;
  const mode = raw.mode;
  const type = bit(mode, MODE_DIR) ? 'directory' : bit(mode, MODE_SYMLINK) ? 'symlink' : MODE_OTHER.some((n) => bit(mode, n)) ? 'other' : 'file';
  return {
    name: typeof raw.name === 'string' ? raw.name : '',
    size: typeof raw.size === 'number' ? raw.size : 0,
    type,
    mode: mode % 0o1000,
    linkTarget: typeof raw.linkTarget === 'string' ? raw.linkTarget : '',
  };
}
