/**
 * Packing a directory tree as a tar stream for the engine. Every entry carries an explicit owner
 * (the builder's numeric uid, group 0) because putArchive keeps the headers' ownership; directories
 * get their own entries so empty ones survive; symlinks are stored as symlinks and never followed,
 * so a link out of the tree cannot leak a file of the build host. Names are read, opened and packed
 * as bytes (raw-names.ts), so a name that is not UTF-8 arrives as it is on disk. The tree is walked
 * as walk-source.ts says: a tree that changes while it is packed cannot make the packer follow a
 * link or hang on a FIFO, and a change caught is a SourceReadError naming the entry. The filter
 * decides on a name, and the type its directory listing gave, before the file is looked at. The pack
 * is returned at once and filled asynchronously: file contents are streamed, never held in memory,
 * and any error destroys the stream so the consumer sees it.
 */
import type { Stats } from 'node:fs';
import type { Readable } from 'node:stream';
import { packSourceFile } from './pack-source-file.js';
import { displayName, joinNames } from './raw-names.js';
import { closeSourceTree, openSourceTree, readSourceLink, walkSource } from './walk-source.js';
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
  /** For tests: called for each entry of the trees before it is opened (see walk-source.ts). */
  beforeOpen?: (path: Buffer) => Promise<void> | void;
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

const seconds = (st: Stats) => Math.floor(st.mtimeMs / 1000);

export function packTrees(options: PackOptions): { stream: Readable; done: Promise<PackStats> } {
  const pack = createTarPack();
  const stats: PackStats = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
  const owner = { uid: options.uid, gid: options.gid, uname: '', gname: '' };
  const pacer = createGarbagePacer();
  const now = Math.floor(Date.now() / 1000);

  const addFile = async (path: string | Buffer, name: string | Buffer, mode: number | undefined, listedAs?: () => string) => {
    const header = (stat: Stats) => ({ ...owner, path: name, mode: mode ?? fileMode(stat.mode), mtime: seconds(stat) });
    const st = await packSourceFile(pack, path, header, pacer, listedAs);
    stats.files++;
    stats.bytes += st.size;
  };

  const addTree = async ({ dir, prefix, exclude = excludeGitDir }: PackOptions['trees'][number]) => {
    const tree = openSourceTree(dir);
    try {
      if (prefix) {
        await pack.add({ ...owner, path: prefix, type: 'directory', mode: directoryMode(tree.top.stat.mode), mtime: seconds(tree.top.stat) });
        stats.directories++;
      }
      const prefixBytes = Buffer.from(prefix);
      await walkSource(tree, { exclude, beforeOpen: options.beforeOpen }, async (entry) => {
        const archiveName = joinNames(prefixBytes, entry.rel.bytes);
        if (entry.kind === 'directory') {
          await pack.add({ ...owner, path: archiveName, type: 'directory', mode: directoryMode(entry.stat.mode), mtime: seconds(entry.stat) });
          stats.directories++;
        } else if (entry.kind === 'symlink') {
          const { stat, linkname } = readSourceLink(entry);
          await pack.add({ ...owner, path: archiveName, type: 'symlink', linkname, mode: 0o777, mtime: seconds(stat) });
          stats.symlinks++;
        } else if (entry.kind === 'file') {
          await addFile(entry.at, archiveName, undefined, entry.shown);
        } else {
          options.onSkip?.(displayName(entry.rel.bytes), 'not a regular file, directory or symlink');
        }
      });
    } finally {
      closeSourceTree(tree);
    }
  };

  const done = (async () => {
    for (const tree of options.trees) await addTree(tree);
    const parents = new Set((options.files ?? []).map((f) => f.name.split('/').slice(0, -1).join('/')).filter(Boolean));
    for (const parent of [...parents].sort()) {
      await pack.add({ ...owner, path: parent, type: 'directory', mode: 0o775, mtime: now });
      stats.directories++;
    }
    for (const file of options.files ?? []) {
      if (typeof file.source === 'string') {
        await addFile(file.source, file.name, file.mode);
      } else {
        const content = Buffer.from(file.source.content);
        await pack.add({ ...owner, path: file.name, type: 'file', mode: file.mode ?? 0o644, mtime: now }, content);
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
