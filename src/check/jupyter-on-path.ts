/**
 * Whether an image is a Jupyter image: one with a `jupyter` command on its PATH, looked up in its
 * file system as a shell would (each directory of PATH in turn; a link followed), without running
 * anything, so an image without a shell is told apart too.
 */
import { posix } from 'node:path';
import { executableByGroupZero, type ImageFiles } from './image-files.js';

/** The engine's PATH when an image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The image's PATH from its ENV lines. */
export function pathOf(env: readonly string[]): string {
  const entry = [...env].reverse().find((e) => e.startsWith('PATH='));
  return entry === undefined ? DEFAULT_PATH : entry.slice('PATH='.length);
}

/** Where `jupyter` is on the image's PATH (the name found, not what it leads to), or undefined. */
export async function findJupyter(files: ImageFiles, env: readonly string[]): Promise<string | undefined> {
  const dirs = [...new Set(pathOf(env).split(':'))].filter((dir) => dir.startsWith('/'));
  for (const dir of dirs) {
    const candidate = posix.join(dir, 'jupyter');
    // One stat (the engine follows the directories' links) before the walk that follows the name's.
    if (!(await files.stat(candidate))) continue;
    const found = await files.fileAt(candidate);
    if (found?.type === 'file' && executableByGroupZero(found)) return candidate;
  }
  return undefined;
}
