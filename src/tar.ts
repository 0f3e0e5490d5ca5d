/**
 * Packing a directory tree as a tar stream for the engine. Every entry carries an explicit owner
 * (the builder's numeric uid, group 0) because putArchive keeps the headers' ownership; directories
 * get their own entries so empty ones survive; symlinks are stored as symlinks and never followed,
 * so a link out of the tree cannot leak a file of the build host. The pack is returned at once and
 * filled asynchronously: file contents are streamed, never held in memory, and any error destroys
 * the stream so the consumer sees it.
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';

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
  trees: { dir: string; prefix: string; exclude?: (relative: string) => boolean }[];
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

/** Directories and file names never packed, relative to a tree's root. */
export function excludeGitDir(relative: string): boolean {
  return relative === '.git' || relative.startsWith('.git/');
}

/** Only the permission bits: set-uid/set-gid bits from the build host are never carried over. */
export function permissionBits(mode: number): number {
  return mode & 0o1777;
}

export function packTrees(options: PackOptions): { stream: Readable; done: Promise<PackStats> } {
  const pack = tar.pack();
  const stats: PackStats = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
  const header = { uid: options.uid, gid: options.gid, uname: '', gname: '' };

  const addFile = async (path: string, name: string, mode: number, size: number, mtime: Date) => {
    const entry = pack.entry({ ...header, name, type: 'file', mode, size, mtime });
    await pipeline(createReadStream(path), entry);
    stats.files++;
    stats.bytes += size;
  };

  const walk = async (dir: string, prefix: string, relative: string, exclude: (r: string) => boolean) => {
    const entries = (await readdir(join(dir, relative))).sort();
    for (const name of entries) {
      const rel = relative ? `${relative}/${name}` : name;
      if (exclude(rel)) continue;
      const path = join(dir, rel);
      const st = await lstat(path);
      const archiveName = prefix ? `${prefix}/${rel}` : rel;
      if (st.isDirectory()) {
        pack.entry({ ...header, name: `${archiveName}/`, type: 'directory', mode: permissionBits(st.mode), mtime: st.mtime });
        stats.directories++;
        await walk(dir, prefix, rel, exclude);
      } else if (st.isSymbolicLink()) {
        const linkname = await readlink(path);
        pack.entry({ ...header, name: archiveName, type: 'symlink', linkname, mode: 0o777, mtime: st.mtime });
        stats.symlinks++;
      } else if (st.isFile()) {
        await addFile(path, archiveName, permissionBits(st.mode), st.size, st.mtime);
      } else {
        options.onSkip?.(rel, 'not a regular file, directory or symlink');
      }
    }
  };

  const done = (async () => {
    for (const tree of options.trees) {
      const st = await lstat(tree.dir);
      if (tree.prefix) {
        pack.entry({ ...header, name: `${tree.prefix}/`, type: 'directory', mode: permissionBits(st.mode) | 0o700, mtime: st.mtime });
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
        const st = await lstat(file.source);
        await addFile(file.source, file.name, file.mode ?? permissionBits(st.mode), st.size, st.mtime);
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
