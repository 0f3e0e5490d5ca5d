/**
 * Packing a directory tree as a tar stream for the engine. Every entry carries an explicit owner
 * (the builder's numeric uid, group 0) because putArchive keeps the headers' ownership; directories
 * get their own entries so empty ones survive; symlinks are stored as symlinks and never followed,
 * so a link out of the tree cannot leak a file of the build host. The pack is returned at once and
 * filled asynchronously: file contents are streamed, never held in memory, and any error destroys
 * the stream so the consumer sees it.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { packSourceFile } from './pack-source-file.js';
import { createGarbagePacer } from '../common/gc-pacer.js';

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

export function packTrees(options: PackOptions): { stream: Readable; done: Promise<PackStats> } {
  const pack = tar.pack();
  const stats: PackStats = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
  const header = { uid: options.uid, gid: options.gid, uname: '', gname: '' };
  const pacer = createGarbagePacer();

  const addFile = async (path: string, name: string, mode: number | undefined) => {
    const st = await packSourceFile(pack, path, (stat) => ({ ...header, name, mode: mode ?? fileMode(stat.mode), mtime: stat.mtime }), pacer);
    stats.files++;
    stats.bytes += st.size;
  };

  const walk = async (dir: string, prefix: string, relative: string, exclude: (r: string, directory: boolean) => boolean) => {
    const entries = readdirSync(join(dir, relative)).sort();
    for (const name of entries) {
      const rel = relative ? `${relative}/${name}` : name;
      const path = join(dir, rel);
      const st = lstatSync(path);
      if (exclude(rel, st.isDirectory())) continue;
      const archiveName = prefix ? `${prefix}/${rel}` : rel;
      if (st.isDirectory()) {
        pack.entry({ ...header, name: `${archiveName}/`, type: 'directory', mode: directoryMode(st.mode), mtime: st.mtime });
        stats.directories++;
        await walk(dir, prefix, rel, exclude);
      } else if (st.isSymbolicLink()) {
        const linkname = readlinkSync(path);
        pack.entry({ ...header, name: archiveName, type: 'symlink', linkname, mode: 0o777, mtime: st.mtime });
        stats.symlinks++;
      } else if (st.isFile()) {
        await addFile(path, archiveName, undefined);
      } else {
        options.onSkip?.(rel, 'not a regular file, directory or symlink');
      }
    }
  };

  const done = (async () => {
    for (const tree of options.trees) {
      const st = await lstat(tree.dir);
      if (tree.prefix) {
        pack.entry({ ...header, name: `${tree.prefix}/`, type: 'directory', mode: directoryMode(st.mode), mtime: st.mtime });
        stats.directories++;
      }
      await walk(tree.dir, tree.prefix, '', tree.exclude ?? excludeGitDir);
    }
    const parents = new Set((options.files ?? []).map((f) => f.name.split('/').slice(0, -1).join('/')).filter(Boolean));
    for (const parent of [...parents].sort()) {
      pack.entry({ ...header, name: `${parent}/`, type: 'directory', mode: 0o775 });
      stats.directories++;
    }
    for (const file of options.files ?? []) {
      if (typeof file.source === 'string') {
        await addFile(file.source, file.name, file.mode);
      } else {
        pack.entry({ ...header, name: file.name, type: 'file', mode: file.mode ?? 0o644 }, file.source.content);
        stats.files++;
        stats.bytes += Buffer.byteLength(file.source.content);
      }
    }
    pack.finalize();
    return stats;
  })();
  done.catch((error: unknown) => pack.destroy(error as Error));
  return { stream: pack as unknown as Readable, done };
}
