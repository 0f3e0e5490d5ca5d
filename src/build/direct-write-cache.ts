/**
 * Remembers checks of builder images that passed, so that the next build on the same builder skips
 * them: the direct write's check of the builder's home (archive reads of the build container, about
 * half a second on Docker 20.10, where each is served by a new process, one at a time; on Podman
 * also a `stat` in a throwaway container, engine/owner-probe.ts).
 *
 * A key names everything the check's result depends on, starting with the image id: the id is the
 * digest of the image's configuration, which names every layer by its digest, so an image with that
 * id has exactly the files that passed. Only passes are kept, one empty file per key (a digest of it)
 * under `$TJS2I_CACHE_DIR`, else `$XDG_CACHE_HOME/tjs2i`, else `~/.cache/tjs2i`; `TJS2I_CACHE_DIR=`
 * (empty) turns it off. Only a directory and files of this user's own count, the directory writable
 * by no one else. The cache is an optimisation: a directory that cannot be read or written, or is
 * not this user's own, makes every build run the check, and nothing else changes.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export interface CheckCache {
  /** Whether a check with this key passed before. */
  passed(key: string): boolean;
  /** Remembers that the check with this key passed. */
  remember(key: string): void;
}

/** Where passed checks are kept, or undefined when the cache is off. */
export function checkCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string | undefined {
  if (env.TJS2I_CACHE_DIR !== undefined) return env.TJS2I_CACHE_DIR === '' ? undefined : join(env.TJS2I_CACHE_DIR, 'checks');
  // As the XDG base directory specification says: a relative XDG_CACHE_HOME is ignored.
  const base = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(home, '.cache');
  return join(base, 'tjs2i', 'checks');
}

const fileName = (key: string) => createHash('sha256').update(key).digest('hex');

/** Ours alone: owned by this user, and (a directory) writable by no one else. */
function ours(path: string, directory: boolean): boolean {
  const st = lstatSync(path);
  if (directory ? !st.isDirectory() : !st.isFile()) return false;
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return false;
  return !directory || (st.mode & 0o022) === 0;
}

export function fileCheckCache(dir: string | undefined): CheckCache {
  return {
    passed(key) {
      if (dir === undefined) return false;
      try {
        // A pass planted by someone else (a shared or group-writable directory) does not count.
        return ours(dir, true) && ours(join(dir, fileName(key)), false);
      } catch {
        return false;
      }
    },
    remember(key) {
      if (dir === undefined) return;
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        if (!ours(dir, true)) return;
        // Empty, so a reader sees it whole or not at all; never through a planted symlink.
        writeFileSync(join(dir, fileName(key)), '', { flag: 'wx', mode: 0o600 });
      } catch {
        // Remembered already, or not at all: the next build checks again.
      }
    },
  };
}
