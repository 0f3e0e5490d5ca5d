/**
 * Writing a tar stream made by packTrees into a directory on this machine (the `--as-dockerfile`
 * context): directories, regular files and symlinks, with their modes and times, never following a
 * symlink while writing and never leaving the target directory. Names and link targets are written
 * as the bytes the archive holds, so a name that is not UTF-8 reaches the context as it was packed.
 */
import { constants, createWriteStream } from 'node:fs';
import { chmod, lutimes, mkdir, open, symlink } from 'node:fs/promises';
import { normalize, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { displayName } from '../source/raw-names.js';
import { unpackTar } from '../common/tar/tar-unpack.js';

export interface ExtractStats {
  files: number;
  directories: number;
  symlinks: number;
}

/**
 * The path of an entry inside `root`, as bytes (a name need not be UTF-8), or an error for a name
 * that would leave it. The name is checked as Latin-1 text, one character per byte, so `/` and `.`
 * are themselves and every other byte comes back as it was.
 */
export function targetOf(root: string, name: string | Buffer): Buffer {
  const text = typeof name === 'string' ? Buffer.from(name).toString('latin1') : name.toString('latin1');
  const clean = normalize(text.replace(/\/+$/, ''));
  if (clean === '.' || clean.startsWith(`..${sep}`) || clean === '..' || clean.startsWith(sep)) {
    throw new Error(`refusing to write ${displayName(name)} outside ${root}`);
  }
  return Buffer.concat([Buffer.from(root), Buffer.from(sep), Buffer.from(clean, 'latin1')]);
}

export async function extractTo(root: string, archive: Readable): Promise<ExtractStats> {
  const stats: ExtractStats = { files: 0, directories: 0, symlinks: 0 };
  const directories: { path: Buffer; mode: number }[] = [];
  for await (const { header, data } of unpackTar(archive)) {
    const path = targetOf(root, header.path);
    const mode = header.mode & 0o1777;
    if (header.type === 'directory') {
      await mkdir(path, { recursive: true, mode: 0o700 });
      directories.push({ path, mode });
      stats.directories++;
    } else if (header.type === 'file') {
      // O_EXCL | O_NOFOLLOW: an entry never writes through a symlink made by an earlier entry.
      const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      await pipeline(data, createWriteStream('', { fd: handle })); // closes the handle
      await chmod(path, mode);
      await lutimes(path, header.mtime, header.mtime);
      stats.files++;
    } else if (header.type === 'symlink' && header.linkname.length > 0) {
      await symlink(header.linkname, path);
      stats.symlinks++;
    }
  }
  // Modes last, deepest first, so a read-only directory does not stop writing its own entries.
  for (const dir of directories.reverse()) await chmod(dir.path, dir.mode);
  return stats;
}
