/**
 * The builder's rules that reach beyond the fixed trees — no set-uid or set-gid file anywhere
 * (group 0 may edit /etc/passwd, so a set-id program would be a way to any user), and a
 * group-writable /etc/passwd (so `run` can add an entry for an arbitrary UID) — applied in the
 * builder's extra layer instead of in the base's layers, which then stay byte-identical and are
 * not loaded again.
 *
 * The layers name the candidates (layer-rewrite.ts); whether each is still there, and what it is
 * now, comes from the engine's stat of the base image's final file system (a created, never
 * started container): a later layer may have removed, replaced or hidden it (whiteouts, opaque
 * directories, a parent turned into a symbolic link) in ways that only the merged file system
 * settles. A name is followed to what it leads to now (a parent may have become a symbolic link):
 * a file is fixed at its real path, never by writing under a link, which would put a directory
 * over the link; files that are now in the trees are left to the layers (one there still in need of
 * a fix, reached through a link, is refused: the extra layer cannot write into a tree). Each file still in
 * need of a fix is written again with its content, owner, time and extended attributes, and the
 * fixed mode, as a separate file (hard links between such names are split, as the Dockerfile
 * path's copy-up splits them). The content is the copy the layers kept while streaming when the
 * engine's size, time and mode bits agree with it and no later layer wrote or removed the name;
 * otherwise the engine's archive of the file (a stat costs milliseconds, an archive read about
 * 0.2 s on Docker 20.10, which re-executes itself for each). The directories the extra layer writes
 * into are written with the headers the layers gave them, so it changes no directory's owner, mode
 * or time; only those that are directories of the final file system (a directory a later layer
 * removed is not brought back). /etc/passwd is always looked at: a layer may have made it a link.
 */
import { posix } from 'node:path';
import pMap from 'p-map';
import { BuildFailedError } from '../../common/errors.js';
import { unsupportedImage } from './saved-image.js';
import type { CapturedFile, DirHeader, LayerFindings } from './layer-rewrite.js';
import type { PathStat } from '../../engine/path-stat.js';
import { readFirstEntry, type TarEntryHeader } from '../../common/tar/raw-tar-entry.js';
import { realPath } from '../tree-resolve.js';

/** The base image's final file system, as the engine shows it. */
export interface FinalFileSystem {
  stat(path: string): Promise<PathStat | undefined>;
  /** The engine's archive of one path (a tar of one entry), or undefined when nothing is there. */
  read(path: string): Promise<Buffer | undefined>;
}

export interface FinalFix {
  header: TarEntryHeader;
  data: Buffer;
  /** The mode it had. */
  was: number;
}

export interface FixPlan {
  /** Files to write again with a fixed mode (at their real paths), sorted by path. */
  files: FinalFix[];
  /** The scripts' directory as resolved (empty when none was asked for). */
  scriptsDir: string;
  /**
   * The directories of those files and the scripts' directory (when the base has it), and the
   * directories above them, parents first, with the headers the layers gave them
   * (directoryHeader); none for a path that is not a directory of the final file system now.
   */
  parents: TarEntryHeader[];
}

/** The most file content the extra layer holds (it is made in memory). */
export const MAX_FIX_BYTES = 64 * 1024 * 1024;

/** Engine requests in flight at once. */
const CONCURRENCY = 4;

/** The mode the builder wants for a regular file (`passwd`: it is what /etc/passwd leads to). */
export function fixedMode(mode: number, passwd = false): number {
  return (mode & ~0o6000) | (passwd ? 0o020 : 0);
}

export interface FixOptions {
  /** The trees made group-writable (real paths): what is found there is the layers' business. */
  trees?: readonly string[];
  /** Where the extra layer puts the scripts (resolved to the real directory it leads to). */
  scriptsDir?: string;
  /** The scripts' names: the extra layer writes these files in the scripts' directory anyway. */
  scripts?: readonly string[];
  maxBytes?: number;
}

const under = (path: string, dir: string) => dir === '/' || path === dir || path.startsWith(`${dir}/`);

type StatOf = (path: string) => Promise<PathStat | undefined>;

/** Merges the layers' findings (bottom-up) and reads what the candidates are in the final file system. */
export async function planFixes(layers: readonly LayerFindings[], fs: FinalFileSystem, options: FixOptions = {}): Promise<FixPlan> {
  const { trees = [], scripts = [], maxBytes = MAX_FIX_BYTES } = options;
  const treeOf = (path: string) => trees.find((tree) => under(path, tree));
  const stat = statOnce(fs);
  const scriptsDir = options.scriptsDir && (await scriptsDirectory(options.scriptsDir, stat, treeOf));
  const finder = new FixFinder(layers, fs, stat, treeOf, {
    scriptPaths: new Set(scriptsDir ? scripts.map((name) => posix.join(scriptsDir, name)) : []),
    // What /etc/passwd leads to (it may be a link): that file becomes group-writable.
    passwd: (await realPath('/etc/passwd', stat)).real,
    maxBytes,
  });
  // A few engine requests at a time (each holds a listener on the caller's abort signal); the
  // first failure stops the others from asking more.
  const found = await pMap(candidateNames(layers), (path) => finder.fixFor(path), { concurrency: CONCURRENCY, stopOnError: true });
  const files = found.filter((fix): fix is FinalFix => fix !== undefined).sort((a, b) => (a.header.path < b.header.path ? -1 : 1));
  // The directories the extra layer writes into (the scripts' own when it is there), with their parents.
  const places = [...files.map((fix) => posix.dirname(`/${fix.header.path}`)), ...(scriptsDir ? [scriptsDir] : [])];
  const parents = await parentEntries(places, layerDirectories(layers), stat);
  return { files, parents, scriptsDir: scriptsDir ?? '' };
}

/** The engine's stat, asked once per path however many candidates lead there. */
function statOnce(fs: FinalFileSystem): StatOf {
  const stats = new Map<string, Promise<PathStat | undefined>>();
  return (path) => {
    let known = stats.get(path);
    if (!known) stats.set(path, (known = fs.stat(path)));
    return known;
  };
}

/** The names the layers found set-id, and /etc/passwd always (a layer may have made it only a link to a file no layer named so), sorted. */
function candidateNames(layers: readonly LayerFindings[]): string[] {
  return [...new Set([...layers.flatMap((layer) => layer.candidates), '/etc/passwd'])].sort();
}

/** The directories outside the trees with the headers the layers gave them (a higher layer's wins). */
function layerDirectories(layers: readonly LayerFindings[]): Map<string, DirHeader> {
  const dirs = new Map<string, DirHeader>();
  for (const layer of layers) for (const [path, header] of layer.dirs) dirs.set(path, header);
  return dirs;
}

/** The scripts' directory as resolved; refused when it leads into a tree, which the extra layer cannot write into. */
async function scriptsDirectory(path: string, stat: StatOf, treeOf: (path: string) => string | undefined): Promise<string> {
  const resolved = await resolveDirectory(path, stat);
  const tree = treeOf(resolved);
  if (tree) {
    throw new BuildFailedError(
      `${path} in the base image leads into ${tree}, a tree the builder makes group-writable, where this path cannot put its S2I scripts`,
      'make the builder with `tjs2i builder <stack> --dockerfile` instead',
    );
  }
  return resolved;
}

/** What a FixFinder needs beyond the layers and the final file system. */
interface FixFinderOptions {
  /** The scripts the extra layer writes anyway (real paths). */
  scriptPaths: ReadonlySet<string>;
  /** The real path of /etc/passwd. */
  passwd: string;
  /** The most file content the fixes may hold. */
  maxBytes: number;
}

/** Decides, candidate by candidate, which files the extra layer writes again and with what content. */
class FixFinder {
  /** Real paths already decided on (two candidates may lead to one file). */
  private readonly claimed = new Set<string>();
  /** File content still allowed: the extra layer is made in memory, and every file it writes again counts. */
  private budget: number;

  constructor(
    private readonly layers: readonly LayerFindings[],
    private readonly fs: FinalFileSystem,
    private readonly stat: StatOf,
    private readonly treeOf: (path: string) => string | undefined,
    private readonly options: FixFinderOptions,
  ) {
    this.budget = options.maxBytes;
  }

  /** The fix `path` needs as the final file system has it, if any. */
  async fixFor(path: string): Promise<FinalFix | undefined> {
    // What the name leads to now: a parent (or the name) may have become a link since the layer
    // that wrote it; the file is fixed where it really is, never by writing under a link.
    const { real, stat: now } = await realPath(path, this.stat);
    if (now?.type !== 'file' || this.claimed.has(real) || this.options.scriptPaths.has(real)) return undefined;
    this.claimed.add(real);
    const isPasswd = real === this.options.passwd;
    const mode = now.mode | (now.special ?? 0);
    const tree = this.treeOf(real);
    if (tree) {
      // The layers fixed every file they wrote under a tree's name; one still in need of a fix got
      // there under another name (a link into the tree, followed by a storage driver that applies
      // layers onto a copy), and the extra layer could not write it without the tree's parents.
      if (now.special !== undefined && fixedMode(mode, isPasswd) !== mode) {
        throw unsupportedImage(`${real} (reached as ${path}) is in ${tree} but its mode ${mode.toString(8)} was not fixed by the layers`);
      }
      return undefined;
    }
    if (now.special !== undefined && fixedMode(mode, isPasswd) === mode) return undefined;
    this.spend(real, now.size);
    const file = this.keptCopy(real, now) ?? (await this.engineCopy(real));
    const fixed = fixedMode(file.header.mode, isPasswd);
    if (fixed === file.header.mode) return undefined;
    return { header: { ...file.header, path: real.slice(1), mode: fixed, size: file.data.length, linkname: '' }, data: file.data, was: file.header.mode };
  }

  private spend(real: string, size: number): void {
    if (size > this.budget) {
      throw unsupportedImage(
        `${real} (${size} bytes) must lose its set-uid/set-gid bits in a new layer, and such files may take ${this.options.maxBytes} bytes at most`,
      );
    }
    this.budget -= size;
  }

  /**
   * The layers' own copy of `path` when it is what the final file system has: the highest layer
   * that kept one, no layer above writing or removing that name, and the engine's size, time and
   * mode bits agreeing with it.
   */
  private keptCopy(path: string, now: PathStat): CapturedFile | undefined {
    if (now.mtime === undefined || now.special === undefined) return undefined;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i] as LayerFindings;
      const file = layer.captured.get(path);
      if (file) {
        const { header, data } = file;
        const agrees = data.length === now.size && header.mtime === now.mtime && (header.mode & 0o777) === now.mode && (header.mode & 0o7000) === now.special;
        return agrees ? file : undefined;
      }
      if (layer.mayTouch(path)) return undefined;
    }
    return undefined;
  }

  /** The engine's copy of a file the layers kept none of, or one changed since (a hard link's header, a later layer). */
  private async engineCopy(real: string): Promise<CapturedFile> {
    const archive = await this.fs.read(real);
    const entry = archive && readFirstEntry(archive);
    if (!entry || entry.header.type !== 'file') {
      throw unsupportedImage(`${real} was a file in the base image's stat but the engine's archive of it ${entry ? `is a ${entry.header.type}` : 'is empty'}`);
    }
    return { header: { ...entry.header, type: 'file' }, data: entry.data };
  }
}

/** The directories `places` and those above them, with the headers to write for them (directoryHeader), parents first. */
async function parentEntries(places: readonly string[], dirs: ReadonlyMap<string, DirHeader>, stat: StatOf): Promise<TarEntryHeader[]> {
  const wanted = [...new Set(places.flatMap(withAncestors))];
  const now = new Map(await Promise.all(wanted.map(async (dir) => [dir, await stat(dir)] as const)));
  return directoryEntries(places, (dir) => directoryHeader(dirs.get(dir), now.get(dir)));
}

/** An absolute directory and the directories above it but the root, nearest first. */
function withAncestors(dir: string): string[] {
  const found: string[] = [];
  for (; dir !== '/'; dir = posix.dirname(dir)) found.push(dir);
  return found;
}

/**
 * The header to write for a directory of the final file system: the layers' (the engine's stat of
 * the inspection container may describe its init layer, not the image: /etc, /dev, /proc and /sys
 * show root 0755 and the container's time there); the engine's mode and time with owner root, as
 * the engine makes a directory no layer has a header for, when the layers have none; none when it
 * is not a directory now (a later layer removed it: the engine makes it as it makes any parent).
 */
export function directoryHeader(header: DirHeader | undefined, now: PathStat | undefined): DirHeader | undefined {
  if (now?.type !== 'directory') return undefined;
  if (header) return header;
  if (now.mtime === undefined) return undefined;
  return { mode: now.mode | (now.special ?? 0), uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: now.mtime };
}

/**
 * The real directory `path` leads to, or where it will be made when it is not there; refused when
 * it (or a directory above it) is something else or a link that leads nowhere, as the Dockerfile
 * path's COPY would fail there.
 */
async function resolveDirectory(path: string, stat: StatOf): Promise<string> {
  const { real, stat: found } = await realPath(path, stat);
  if (found?.type === 'directory') return real;
  if (!found) {
    // Nothing there: fine when the nearest thing above is a directory (the engine makes the rest).
    let above = real;
    let that = await stat(above);
    while (!that && above !== '/') that = await stat((above = posix.dirname(above)));
    if (!that || (that.type === 'directory' && above !== real)) return real;
  }
  throw new BuildFailedError(
    `${path} in the base image is not a directory (it leads to ${real}): the builder puts its S2I scripts there`,
    'use a base image that keeps that path free or a directory',
  );
}

/** The directories `dirs` (absolute) and those above them that get a header, parents first, as layer entries. */
export function directoryEntries(dirs: readonly string[], headerOf: (dir: string) => DirHeader | undefined): TarEntryHeader[] {
  return [...new Set(dirs.flatMap(withAncestors))]
    .sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1))
    .flatMap((dir) => {
      const header = headerOf(dir);
      return header ? [{ ...header, path: dir.slice(1), type: 'directory' as const, size: 0 }] : [];
    });
}
