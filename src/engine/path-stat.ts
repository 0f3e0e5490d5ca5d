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
  /** Set-uid (0o4000), set-gid (0o2000) and sticky (0o1000) bits, when the engine said. */
  special?: number;
  /** Modification time in whole seconds since the epoch, when the engine said. */
  mtime?: number;
}

// Go's os.FileMode type bits.
const MODE_DIR = 31;
const MODE_SYMLINK = 27;
const MODE_OTHER = [26, 25, 24, 21, 19]; // device, named pipe, socket, char device, irregular
const MODE_SETUID = 23;
const MODE_SETGID = 22;
const MODE_STICKY = 20;
const bit = (mode: number, n: number) => Math.floor(mode / 2 ** n) % 2 === 1;

/** Parses the header's value; undefined when it is absent or not what the engine sends. */
export function parsePathStat(header: string | undefined): PathStat | undefined {
  if (!header) return undefined;
  let raw: { name?: unknown; size?: unknown; mode?: unknown; mtime?: unknown; linkTarget?: unknown };
  try {
    raw = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as typeof raw;
  } catch {
    return undefined;
  }
  if (typeof raw?.mode !== 'number') return undefined;
  const mode = raw.mode;
  const type = bit(mode, MODE_DIR) ? 'directory' : bit(mode, MODE_SYMLINK) ? 'symlink' : MODE_OTHER.some((n) => bit(mode, n)) ? 'other' : 'file';
  const mtime = typeof raw.mtime === 'string' ? Date.parse(raw.mtime) : NaN;
  return {
    name: typeof raw.name === 'string' ? raw.name : '',
    size: typeof raw.size === 'number' ? raw.size : 0,
    type,
    mode: mode % 0o1000,
    linkTarget: typeof raw.linkTarget === 'string' ? raw.linkTarget : '',
    special: (bit(mode, MODE_SETUID) ? 0o4000 : 0) | (bit(mode, MODE_SETGID) ? 0o2000 : 0) | (bit(mode, MODE_STICKY) ? 0o1000 : 0),
    ...(Number.isFinite(mtime) ? { mtime: Math.floor(mtime / 1000) } : {}),
  };
}
