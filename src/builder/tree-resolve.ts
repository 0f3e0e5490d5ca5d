/**
 * The builder's trees as they are in the base image, found without running anything: each path is
 * resolved through the engine's stat of a created container (a symbolic link on the way, such as
 * SPARK_HOME, is followed), a tree that is missing or not a directory is skipped and a tree that
 * leads into a system directory is refused (system-trees.ts), with the lines the Dockerfile path prints.
 */
import { posix } from 'node:path';
import type { PathStat } from '../engine/path-stat.js';
import { refuseSystemTrees } from './system-trees.js';

/** Like the kernel's limit on links followed while resolving one path (ELOOP). */
export const MAX_LINKS = 40;

export type StatPath = (path: string) => Promise<PathStat | undefined>;

export interface ResolvedTree {
  /** The tree as planned. */
  path: string;
  /** The path with every symbolic link resolved (as far as it exists). */
  real: string;
  outcome: 'writable' | 'missing';
  /** The line the Dockerfile path prints for it. */
  message: string;
}

/** The real path of `path` and the stat of what it leads to (undefined when nothing is there). */
export async function realPath(path: string, stat: StatPath): Promise<{ real: string; stat: PathStat | undefined }> {
  const rest = path.split('/').filter((c) => c && c !== '.');
  let resolved = '/';
  let current: PathStat | undefined = { name: '/', size: 0, type: 'directory', mode: 0o755, linkTarget: '' };
  let links = 0;
  while (rest.length) {
    const component = rest.shift()!;
    if (component === '..') {
      resolved = posix.dirname(resolved);
      continue;
    }
    if (current?.type !== 'directory') return { real: posix.join(resolved, component, ...rest), stat: undefined };
    resolved = posix.join(resolved, component);
    current = await stat(resolved);
    // The engine gives a link's target already resolved; a target that is itself a link (a loop,
    // or a race) is followed again, up to MAX_LINKS.
    while (current?.type === 'symlink') {
      if (++links > MAX_LINKS || !current.linkTarget.startsWith('/')) return { real: resolved, stat: undefined };
      resolved = posix.normalize(current.linkTarget);
      current = await stat(resolved);
    }
    if (!current) return { real: posix.join(resolved, ...rest), stat: undefined };
  }
  return { real: resolved, stat: current };
}

/**
 * Resolves each tree in order; the messages are those of the Dockerfile path's build output. A tree
 * that leads into a system directory is refused (a UsageError naming its variable), unless it is one
 * of `declared`, the trees tjs2i's stack table itself gives.
 */
export async function resolveTrees(trees: readonly { path: string; spec: string }[], stat: StatPath, declared: readonly string[]): Promise<ResolvedTree[]> {
  const resolved: ResolvedTree[] = [];
  for (const { path, spec } of trees) {
    const { real, stat: found } = await realPath(path, stat);
    if (found?.type !== 'directory') {
      resolved.push({ path, real, outcome: 'missing', message: `tjs2i: ${path} is not a directory in the base image: skipped` });
    } else {
      refuseSystemTrees([{ path, real, spec }], declared);
      resolved.push({
        path,
        real,
        outcome: 'writable',
        message: real === path ? `tjs2i: group 0 may write ${path}` : `tjs2i: group 0 may write ${path} (${real})`,
      });
    }
  }
  return resolved;
}
