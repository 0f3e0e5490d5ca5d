/**
 * Packing a directory tree as a tar stream for the engine. Every entry carries an explicit owner
 * (the builder's numeric uid, group 0) because putArchive keeps the headers' ownership; directories
 * get their own entries so empty ones survive; symlinks are stored as symlinks and never followed,
 * so a link out of the tree cannot leak a file of the build host. Names are read, opened and packed
 * as bytes (raw-names.ts), so a name that is not UTF-8 arrives as it is on disk. The filter decides
 * on a name, and the type its directory listing gave, before the file is looked at. The pack is
 * returned at once and filled asynchronously: file contents are streamed, never held in memory, and
 * any error destroys the stream so the consumer sees it.
 */
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { packSourceFile } from './pack-source-file.js';
import { displayName, joinNames, listDirectory, matchText } from './raw-names.js';
import { createGarbagePacer } from '../common/gc-pacer.js';
import { createTarPack } from '../common/tar/tar-pack.js';

export { SourceReadError } from './source-file.js';

export interface PackEntry {
  /** Path on the build host, or the content itself. */
  source: string | { content: string };
  /** Name inside the archive (no leading slash). */
  name: string;
  /** Overrides the file's own mode (permission bits only). */
  mode?: number;
}

export interface PackOptions {
  uid: number;
  gid: number;
  /** Top-level directories to walk: each is stored under `prefix`. */
  trees: { dir: string; prefix: string; exclude?: (relative: string, directory: boolean) => boolean }[];
  /** Single files added after the trees (for example external scripts). */
  files?: PackEntry[];
  onSkip?: (path: string, reason: string) => void;
}

export interface PackStats {
  files: number;
  directories: number;
  symlinks: number;
  bytes: number;
}

/** Git metadata is never packed: a `.git` directory (or file) at any depth, and what is below it. */
export function excludeGitDir(relative: string): boolean {
  return relative.split('/').includes('.git');
}

/** Only the permission bits: set-uid/set-gid bits from the build host are never carried over. */
export function permissionBits(mode: number): number {
  return mode & 0o1777;
}

/**
 * Modes as packed: the owner (the build user) can always read and write files and enter
 * directories, so a read-only tree on the build host cannot make assemble fail to copy or clean up.
 */
export const fileMode = (mode: number) => permissionBits(mode) | 0o600;
export const directoryMode = (mode: number) => permissionBits(mode) | 0o700;

/** A path below a tree: its bytes (for the file system and the archive) and its text (for the filter and messages). */
interface Relative {
  bytes: Buffer;
  text: string;
}

const seconds = (st: Stats) => Math.floor(st.mtimeMs / 1000);

/** Entries walked between two turns of the event loop. */
const YIELD_EVERY = 256;

export function packTrees(options: PackOptions): { stream: Readable; done: Promise<PackStats> } {
  const pack = createTarPack();
  const stats: PackStats = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
  const header = { uid: options.uid, gid: options.gid, uname: '', gname: '' };
  const pacer = createGarbagePacer();
  const now = Math.floor(Date.now() / 1000);

  const addFile = async (path: string | Buffer, name: string | Buffer, mode: number | undefined) => {
    const st = await packSourceFile(pack, path, (stat) => ({ ...header, path: name, mode: mode ?? fileMode(stat.mode), mtime: seconds(stat) }), pacer);
    stats.files++;
    stats.bytes += st.size;
  };

  let visited = 0;
  const walk = async (dir: Buffer, prefix: Buffer, relative: Relative, exclude: (r: string, directory: boolean) => boolean) => {
    for (const entry of listDirectory(joinNames(dir, relative.bytes))) {
      // The walk is synchronous between writes, and a tree whose names are all left out writes
      // nothing: a turn of the event loop now and then keeps Ctrl-C answered.
      if (++visited % YIELD_EVERY === 0) await yieldToEventLoop();
      const rel = { bytes: joinNames(relative.bytes, entry.name), text: relative.text ? `${relative.text}/${matchText(entry.name)}` : matchText(entry.name) };
      if (exclude(rel.text, entry.isDirectory())) continue;
      const path = joinNames(dir, rel.bytes);
      const st = lstatSync(path);
      const archiveName = joinNames(prefix, rel.bytes);
      if (st.isDirectory()) {
        await pack.add({ ...header, path: archiveName, type: 'directory', mode: directoryMode(st.mode), mtime: seconds(st) });
        stats.directories++;
        await walk(dir, prefix, rel, exclude);
      } else if (st.isSymbolicLink()) {
        const linkname = readlinkSync(path, { encoding: 'buffer' });
        await pack.add({ ...header, path: archiveName, type: 'symlink', linkname, mode: 0o777, mtime: seconds(st) });
        stats.symlinks++;
      } else if (st.isFile()) {
        await addFile(path, archiveName, undefined);
      } else {
        options.onSkip?.(displayName(rel.bytes), 'not a regular file, directory or symlink');
      }
    }
  };

  const done = (async () => {
    for (const tree of options.trees) {
      const st = await lstat(tree.dir);
      if (tree.prefix) {
        await pack.add({ ...header, path: tree.prefix, type: 'directory', mode: directoryMode(st.mode), mtime: seconds(st) });
        stats.directories++;
      }
      const root = { bytes: Buffer.alloc(0), text: '' };
      await walk(Buffer.from(join(tree.dir)), Buffer.from(tree.prefix), root, tree.exclude ?? excludeGitDir);
    }
    const parents = new Set((options.files ?? []).map((f) => f.name.split('/').slice(0, -1).join('/')).filter(Boolean));
    for (const parent of [...parents].sort()) {
      await pack.add({ ...header, path: parent, type: 'directory', mode: 0o775, mtime: now });
      stats.directories++;
    }
    for (const file of options.files ?? []) {
      if (typeof file.source === 'string') {
        await addFile(file.source, file.name, file.mode);
      } else {
        const content = Buffer.from(file.source.content);
        await pack.add({ ...header, path: file.name, type: 'file', mode: file.mode ?? 0o644, mtime: now }, content);
        stats.files++;
        stats.bytes += content.length;
      }
    }
    pack.finalize();
    return stats;
  })();
  done.catch((error: unknown) => pack.destroy(error as Error));
  return { stream: pack.stream, done };
}
