/**
 * A directory of the source, held open while its entries are read, which are reached through it:
 * `/proc/self/fd/<fd>/<name>` names an entry of the open directory itself, as openat does in C (Node
 * has no openat). A path from the top of the tree would be resolved again at every call, so a
 * directory renamed, or swapped for a symlink, after it was listed would send the packer anywhere on
 * the build host; through the open directory, its entries are the ones listed.
 *
 * A directory below the top is opened without following a symlink (O_NOFOLLOW with O_DIRECTORY): one
 * swapped in after its parent's listing is an error naming it, not a walk out of the tree. The top is
 * the directory the user named, and a symlink to it is followed, as they asked. Linux only: /proc is
 * where the open directory is named.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, type Dirent, type Stats } from 'node:fs';
import { listDirectory } from './raw-names.js';
import { changedWhilePacked, failure, SourceReadError } from './source-file.js';

export interface SourceDirectory {
  fd: number;
  /** The status of the open directory (its mode and mtime for the archive). */
  stat: Stats;
  /** `/proc/self/fd/<fd>/`: the paths of its entries start with it. */
  prefix: Buffer;
}

const DIRECTORY_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY;

/** The top of a tree, as the user named it; a failure is the system's error (ENOENT for a missing one). */
export function openTopDirectory(path: string | Buffer): SourceDirectory {
  return opened(openSync(path, DIRECTORY_FLAGS));
}

/**
 * An entry its parent's listing gave as a directory (`at`, reached through the parent); a clear
 * SourceReadError naming it (as `shown` gives it) when it is no longer one.
 */
export function openSubdirectory(at: Buffer, shown: () => string): SourceDirectory {
  let fd: number;
  try {
    fd = openSync(at, DIRECTORY_FLAGS | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw changedWhilePacked(shown(), 'it was removed');
    // Linux says ENOTDIR for a symlink opened with O_DIRECTORY and O_NOFOLLOW: look, for the message.
    if (code === 'ENOTDIR' || code === 'ELOOP') {
      const now = lstatSync(at, { throwIfNoEntry: false });
      throw changedWhilePacked(shown(), now?.isSymbolicLink() ? 'it is now a symlink' : 'it is no longer a directory');
    }
    throw new SourceReadError(`cannot read ${shown()}: ${failure(error)}`);
  }
  return opened(fd);
}

function opened(fd: number): SourceDirectory {
  try {
    return { fd, stat: fstatSync(fd), prefix: Buffer.from(`/proc/self/fd/${fd}/`) };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** The entries of an open directory, by their bytes, in byte order, with the types the listing gives. */
export function listSourceDirectory(dir: SourceDirectory): Dirent<Buffer>[] {
  try {
    return listDirectory(dir.prefix);
  } catch (error) {
    // The directory is open, so its name under /proc/self/fd exists whenever /proc is there.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new SourceReadError('cannot read the source: /proc is not mounted (tjs2i lists the source through /proc/self/fd)');
    throw error;
  }
}

/** An entry of an open directory, by its name: valid while the directory stays open. */
export function entryPath(dir: SourceDirectory, name: Buffer): Buffer {
  return Buffer.concat([dir.prefix, name]);
}

export function closeSourceDirectory(dir: SourceDirectory): void {
  closeSync(dir.fd);
}
