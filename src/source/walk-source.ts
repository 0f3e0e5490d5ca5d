/**
 * The walk of a source tree shared by the packers (the upload tar, the direct write) and the Git LFS
 * scan, for a tree that may change while it is walked (a course edited during a build, or a hostile
 * source raced by another process): no change can take the walk out of the tree or hang it.
 *
 * What an entry is comes from its directory's listing (its name and type), and nothing is stat-ed
 * between that and its open, which checks it again: a directory is opened without following a
 * symlink (source-directory.ts), and a file by the consumer with openSourceFile, which neither follows
 * a symlink nor waits on a FIFO and wants a regular file. Every entry is reached through its open
 * directory, never by a path from the top, so a directory renamed or swapped for a symlink after it
 * was opened changes nothing of what its entries are. An entry found to be other than listed is one
 * SourceReadError naming it; a file is packed as it is when opened.
 *
 * Directories come before their entries, names in byte order; the filter decides on a name (and the
 * listing's type) before anything is opened.
 */
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { displayName, joinNames, matchText } from './raw-names.js';
import { closeSourceDirectory, entryPath, listSourceDirectory, openSubdirectory, openTopDirectory, type SourceDirectory } from './source-directory.js';
import { changedWhilePacked } from './source-file.js';

/** A path below the top of a tree: its bytes (for the file system and the archive) and its text (for the filter and messages). */
export interface Relative {
  bytes: Buffer;
  text: string;
}

export interface WalkOptions {
  /** True for a path to leave out (relative, `/`-separated), with whether the listing gives a directory. */
  exclude: (relative: string, directory: boolean) => boolean;
  /**
   * For tests: called with an entry's path on the host once the walk knows what the entry is and
   * before it is opened or read, so that a test can change the tree there and reach the races.
   */
  beforeOpen?: (path: Buffer) => Promise<void> | void;
}

interface EntryBase {
  /** Its own name, as the listing gave it. */
  name: Buffer;
  rel: Relative;
  /** The entry reached through its open directory: valid until the walk moves on. */
  at: Buffer;
  /** Its path on the host, as messages show it. */
  shown: () => string;
}

export type SourceEntry =
  (EntryBase & { kind: 'directory'; /** The open directory's status. */ stat: Stats }) | (EntryBase & { kind: 'file' | 'symlink' | 'other' });

/** An open tree: its top directory and the path it was named by. */
export interface SourceTree {
  path: Buffer;
  top: SourceDirectory;
}

export function openSourceTree(path: string): SourceTree {
  return { path: Buffer.from(join(path)), top: openTopDirectory(path) };
}

export function closeSourceTree(tree: SourceTree): void {
  closeSourceDirectory(tree.top);
}

/** Entries walked between two turns of the event loop. */
const YIELD_EVERY = 256;

/**
 * Calls `visit` for every entry below the top of `tree` not left out, and waits for it (the pack's
 * back-pressure); each directory is open, and its entries reachable through it, while the walk is
 * below it. A visitor, not an async iterator: a course of 10,000 files would pay every level's
 * promises on every entry (measured: a fifth to a third more CPU for the pack).
 */
export async function walkSource(tree: SourceTree, options: WalkOptions, visit: (entry: SourceEntry) => Promise<void> | void): Promise<void> {
  let visited = 0;
  const walk = async (dir: SourceDirectory, relative: Relative): Promise<void> => {
    for (const dirent of listSourceDirectory(dir)) {
      // The walk is synchronous between writes, and a tree whose names are all left out writes
      // nothing: a turn of the event loop now and then keeps Ctrl-C answered.
      if (++visited % YIELD_EVERY === 0) await yieldToEventLoop();
      const rel = {
        bytes: joinNames(relative.bytes, dirent.name),
        text: relative.text ? `${relative.text}/${matchText(dirent.name)}` : matchText(dirent.name),
      };
      const directory = dirent.isDirectory();
      if (options.exclude(rel.text, directory)) continue;
      const at = entryPath(dir, dirent.name);
      const shown = () => displayName(joinNames(tree.path, rel.bytes));
      if (options.beforeOpen) await options.beforeOpen(joinNames(tree.path, rel.bytes));
      if (!directory) {
        await visit({ kind: dirent.isFile() ? 'file' : dirent.isSymbolicLink() ? 'symlink' : 'other', name: dirent.name, rel, at, shown });
        continue;
      }
      const sub = openSubdirectory(at, shown);
      try {
        await visit({ kind: 'directory', name: dirent.name, rel, at, shown, stat: sub.stat });
        await walk(sub, rel);
      } finally {
        closeSourceDirectory(sub);
      }
    }
  };
  await walk(tree.top, { bytes: Buffer.alloc(0), text: '' });
}

/** A symlink's status (for its header) and target, never followed; an error naming it when it is no longer a symlink. */
export function readSourceLink(entry: SourceEntry): { stat: Stats; linkname: Buffer } {
  const stat = lstatSync(entry.at, { throwIfNoEntry: false });
  if (!stat) throw changedWhilePacked(entry.shown(), 'it was removed');
  if (!stat.isSymbolicLink()) throw changedWhilePacked(entry.shown(), 'it is no longer a symlink');
  try {
    return { stat, linkname: readlinkSync(entry.at, { encoding: 'buffer' }) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EINVAL' || code === 'ENOENT') throw changedWhilePacked(entry.shown(), code === 'EINVAL' ? 'it is no longer a symlink' : 'it was removed');
    throw error;
  }
}
