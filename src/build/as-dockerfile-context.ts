/**
 * Writing a tar stream made by packTrees into a directory on this machine (the `--as-dockerfile`
 * context): directories, regular files and symlinks, with their modes and times, never following a
 * symlink while writing and never leaving the target directory.
 */
import { constants, createWriteStream } from 'node:fs';
import { chmod, lutimes, mkdir, open, symlink } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

export interface ExtractStats {
  files: number;
  directories: number;
  symlinks: number;
}

/** The path of an entry inside `root`, or an error for a name that would leave it. */
export function targetOf(root: string, name: string): string {
  const clean = normalize(name.replace(/\/+$/, ''));
  if (clean === '.' || clean.startsWith(`..${sep}`) || clean === '..' || clean.startsWith(sep)) {
    throw new Error(`refusing to write ${name} outside ${root}`);
  }
  return join(root, clean);
}

export async function extractTo(root: string, archive: Readable): Promise<ExtractStats> {
  const stats: ExtractStats = { files: 0, directories: 0, symlinks: 0 };
  const directories: { path: string; mode: number }[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const write = async () => {
      const path = targetOf(root, header.name);
      const mode = (header.mode ?? 0o644) & 0o1777;
      if (header.type === 'directory') {
        await mkdir(path, { recursive: true, mode: 0o700 });
        directories.push({ path, mode });
        stats.directories++;
        stream.resume();
      } else if (header.type === 'file') {
        // O_EXCL | O_NOFOLLOW: an entry never writes through a symlink made by an earlier entry.
        const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        await pipeline(stream, createWriteStream('', { fd: handle })); // closes the handle
        await chmod(path, mode);
        if (header.mtime) await lutimes(path, header.mtime, header.mtime);
        stats.files++;
      } else if (header.type === 'symlink' && header.linkname) {
        await symlink(header.linkname, path);
        stats.symlinks++;
        stream.resume();
      } else {
        stream.resume();
      }
    };
    write().then(
      () => next(),
      (error: unknown) => next(error as Error),
    );
  });
  await pipeline(archive, extract);
  // Modes last, deepest first, so a read-only directory does not stop writing its own entries.
  for (const dir of directories.reverse()) await chmod(dir.path, dir.mode);
  return stats;
}
