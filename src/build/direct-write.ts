/**
 * Direct write: when the assemble script that would run is tjs2i's own default (baked in a tjs2i
 * builder) and the source needs nothing from it beyond copying, the files are written into the
 * build container exactly as `assemble` would leave them — owner the assemble user, group 0, the
 * group bits of its fix_group0, set-group-ID directories, the pristine copy under ~/.tjs2i/course as
 * hard links (a second symlink for a symlink where the engine follows a hard link to one), the
 * work/.tjs2i-seeded marker — with one putArchive and no process started in the build container.
 *
 * What `assemble` does with a source without dependency files, in a builder whose home and work/
 * are set-group-ID, group 0 and owned by the assemble user (checked in the container first):
 * directories made with mkdir (umask 0002: 2775, group 0 inherited); files copied with
 * `cp -R -P --preserve=timestamps` (mode & 0775: set-uid, set-gid and sticky dropped), then g+rw,
 * and g+x where u+x; symlinks copied as symlinks; the top-level `.s2i` left out; the same tree under
 * ~/.tjs2i/course (directories made with mkdir, files and symlinks hard links); the marker last.
 *
 * The direct path is refused (assemble runs) whenever anything could make assemble do more or
 * differently: a dependency file or a binder directory, restored artifacts, a build variable that
 * changes the home (NB_USER is followed, not refused, unless odd) or how bash and coreutils behave.
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { SCRIPTS_DIR } from '../s2i/builder-scripts.js';
import type { CheckCache } from './direct-write-cache.js';
import type { ArchiveClient, PathEntry } from '../engine/archive-client.js';
import { settleAll } from '../common/settle-all.js';
import type { Engine } from '../engine/engine.js';
import { s2iScript } from '../common/package-files.js';
import type { EnvVar } from '../s2i/environment.js';
import { Label } from '../s2i/labels.js';
import type { ScriptLocation } from '../s2i/scripts.js';
import { packSourceFile } from '../source/pack-source-file.js';
import { fileMode, type PackStats } from '../source/pack-trees.js';
import { displayName, joinNames, listDirectory, matchText } from '../source/raw-names.js';
import { closeSourceTree, openSourceTree, readSourceLink, walkSource } from '../source/walk-source.js';
import { createGarbagePacer } from '../common/gc-pacer.js';
import { createTarPack } from '../common/tar/tar-pack.js';

/** The label `tjs2i builder` puts on the builders it makes. */
export const BUILDER_STACK_LABEL = 'io.tjs2i.builder.stack';
/** The default assemble, as baked in tjs2i builders. */
export const DEFAULT_ASSEMBLE = `${SCRIPTS_DIR}/assemble`;
/** Names at the top of the source that make assemble install something (repo2docker's files). */
export const DEPENDENCY_NAMES = ['binder', '.binder', 'requirements.txt', 'environment.yml', 'postBuild', 'start', 'runtime.txt', 'apt.txt'] as const;
/** assemble's marker in work/: the image's own work/ holds the course files. */
export const SEEDED_MARKER = '.tjs2i-seeded';

/**
 * Build variables that would change what assemble or the shell and tools running it do: bash start-up
 * and options, the command search path, the dynamic loader, POSIX mode. Any of them in the build
 * environment (or, except PATH, in the builder's) sends the build through assemble.
 */
const SHELL_VARIABLES = new Set(['BASH_ENV', 'ENV', 'SHELLOPTS', 'BASHOPTS', 'CDPATH', 'GLOBIGNORE', 'POSIXLY_CORRECT', 'IFS', 'PATH']);
const changesShell = (name: string) => SHELL_VARIABLES.has(name) || name.startsWith('LD_') || name.startsWith('BASH_FUNC_');

/** A user name that makes a plain /home/<name> path. */
const PLAIN_USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export interface DirectWriteInputs {
  builderLabels: Record<string, string>;
  /** The builder's Env (NAME=VALUE). */
  builderEnv: string[];
  assemble: ScriptLocation;
  /** The build environment (-E, .s2i/environment, -e merged). */
  env: EnvVar[];
  /** Whether artifacts of a previous image are restored (--incremental). */
  artifacts: boolean;
  /** Where the source is uploaded (`<destination>/src`); assemble reads only /tmp/src. */
  destination: string;
  /** The prepared source and the filter of what is packed (--exclude, .s2iignore). */
  sourceDir: string;
  filter: (relative: string, directory: boolean) => boolean;
}

export type DirectWriteDecision = { direct: true; home: string } | { direct: false; reason: string };

/**
 * Whether the build may skip assemble, from what is known before a container exists; the home of the
 * notebook user when it may. The container is checked afterwards with {@link checkContainer}.
 */
export async function directWriteDecision(inputs: DirectWriteInputs): Promise<DirectWriteDecision> {
  const no = (reason: string): DirectWriteDecision => ({ direct: false, reason });
  const { assemble } = inputs;
  if (assemble.origin !== 'image') return no(`the assemble script comes from ${assemble.origin === 'source' ? 'the source (.s2i/bin)' : '--scripts-url'}`);
  if (
    !inputs.builderLabels[BUILDER_STACK_LABEL] ||
    inputs.builderLabels[Label.scriptsUrl] !== `image://${SCRIPTS_DIR}` ||
    assemble.imagePath !== DEFAULT_ASSEMBLE
  ) {
    return no('the builder is not a tjs2i builder with its default assemble');
  }
  if (inputs.artifacts) return no('artifacts of the previous image are restored');
  // assemble reads /tmp/src only: with another destination it fails, and so must this build.
  if (inputs.destination !== '/tmp') return no(`the destination is ${inputs.destination}, and assemble reads /tmp/src`);
  const imageEnv = new Map(inputs.builderEnv.map((e) => [e.slice(0, Math.max(0, e.indexOf('='))), e.slice(e.indexOf('=') + 1)]));
  const shellBuild = inputs.env.find((v) => changesShell(v.name));
  if (shellBuild) return no(`the build variable ${shellBuild.name} could change how assemble runs`);
  const shellImage = [...imageEnv.keys()].find((name) => name !== 'PATH' && changesShell(name));
  if (shellImage) return no(`the builder sets ${shellImage}, which could change how assemble runs`);
  const nbUser = inputs.env.filter((v) => v.name === 'NB_USER').pop()?.value ?? imageEnv.get('NB_USER') ?? '';
  const user = nbUser === '' ? 'jovyan' : nbUser;
  if (!PLAIN_USER.test(user) || user === '.' || user === '..') return no('NB_USER is not a plain user name');

  for (const entry of listDirectory(Buffer.from(inputs.sourceDir))) {
    const name = matchText(entry.name);
    if (inputs.filter(name, entry.isDirectory())) continue;
    if ((DEPENDENCY_NAMES as readonly string[]).includes(name))
      return no(`the source has ${name}${name.endsWith('binder') ? '/' : ''} (assemble installs dependencies)`);
    if (name === SEEDED_MARKER) return no(`the source has ${SEEDED_MARKER}, the name of assemble's marker`);
  }
  return { direct: true, home: `/home/${user}` };
}

const SETGID = 0o2000;
const isSetGidGroup0Dir = (e: PathEntry | undefined, uid: number) =>
  e !== undefined && e.type === 'directory' && (e.mode & SETGID) !== 0 && e.gid === 0 && e.uid === uid && (e.mode & 0o700) === 0o700;

/** This tjs2i's own assemble, read once. */
let ownAssemble: Promise<Buffer> | undefined;
const defaultAssemble = () => (ownAssemble ??= readFile(s2iScript('assemble')));

/**
 * What the builder must hold for assemble's result to be known without running it: the assemble
 * script of this very tjs2i (a builder made by another version has another one); the home and work/
 * directories owned by the assemble user, group 0, set-group-ID; work/ empty; no ~/.tjs2i.
 * Undefined when it is so, else why not.
 */
export async function checkContainer(
  archives: ArchiveClient,
  containerId: string,
  home: string,
  uid: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  // Settled, all of them, before a failure is thrown: a listing may have a container to remove (owner-probe.ts).
  const [script, own, homeEntries, workEntries, state] = await settleAll(signal, [
    archives.readFile(containerId, DEFAULT_ASSEMBLE, signal),
    defaultAssemble(),
    archives.listPath(containerId, home, 1, signal),
    archives.listPath(containerId, posix.join(home, 'work'), 2, signal),
    archives.listPath(containerId, posix.join(home, '.tjs2i'), 1, signal),
  ]);
  if (!script?.equals(own)) return `the builder's ${DEFAULT_ASSEMBLE} is not the one of this tjs2i (a builder made by another version?)`;
  const looked: [string, PathEntry | undefined][] = [
    [home, homeEntries?.[0]],
    [posix.join(home, 'work'), workEntries?.[0]],
  ];
  for (const [path, entry] of looked) {
    if (entry && (entry.uid === undefined || entry.gid === undefined)) return `the engine did not tell who owns ${path} in the builder (no stat in it?)`;
  }
  const want = `owned by uid ${uid}, group 0 and set-group-ID`;
  if (!isSetGidGroup0Dir(homeEntries?.[0], uid)) return `${home} in the builder is not a directory ${want}`;
  if (!isSetGidGroup0Dir(workEntries?.[0], uid)) return `${home}/work in the builder is not a directory ${want}`;
  if ((workEntries?.length ?? 0) > 1) return `${home}/work in the builder is not empty`;
  if (state) return `${home}/.tjs2i exists in the builder`;
  return undefined;
}

/** Names the rules of {@link checkContainer} in the cache key: change it whenever they change. */
export const CHECK_VERSION = 'direct-write-check/2';

/**
 * {@link checkContainer}, skipped when the same check passed before for this builder image (its id),
 * home, assemble user and this tjs2i's assemble (direct-write-cache.ts). Whether the cache answered, too.
 */
export async function checkContainerOnce(
  engine: Pick<Engine, 'endpoint' | 'archives'>,
  containerId: string,
  builder: { imageId: string; platform: string; home: string; uid: number },
  cache: CheckCache | undefined,
  signal?: AbortSignal,
): Promise<{ notDirect: string | undefined; cached: boolean }> {
  const assemble = createHash('sha256')
    .update(await defaultAssemble())
    .digest('hex');
  // The engine too: another engine may show the same image's files otherwise (rootless, user namespaces).
  const key = [CHECK_VERSION, engine.endpoint, builder.imageId, builder.platform, builder.home, String(builder.uid), assemble].join('\0');
  if (cache?.passed(key)) return { notDirect: undefined, cached: true };
  const notDirect = await checkContainer(engine.archives, containerId, builder.home, builder.uid, signal);
  if (notDirect === undefined) cache?.remember(key);
  return { notDirect, cached: false };
}

/** The mode assemble leaves on a file of the source: cp (umask 0002, no special bits), then fix_group0. */
export function assembledFileMode(sourceMode: number): number {
  const copied = fileMode(sourceMode) & 0o775;
  const group = copied | 0o060;
  return group & 0o100 ? group | 0o010 : group;
}

/** assemble's directories: mkdir under umask 0002 in a set-group-ID directory. */
export const ASSEMBLED_DIRECTORY_MODE = 0o2775;

/** What assemble writes into the marker (its date is the build's). */
export const markerText = (date: Date) => `course files of this image, copied by assemble on ${date.toISOString().replace(/\.\d{3}Z$/, 'Z')}\n`;

export interface DirectPackOptions {
  sourceDir: string;
  filter: (relative: string, directory: boolean) => boolean;
  uid: number;
  /**
   * Whether the engine extracts a hard link to a symlink as one (ArchiveClient.linksSymlinks; default
   * yes): if not, the pristine copy of a symlink is a second symlink, not a hard link to the first.
   */
  linkSymlinks?: boolean;
  /** The build's time: the marker's date and the mtime of what assemble makes new. */
  now?: Date;
  onSkip?: (path: string, reason: string) => void;
  /** For tests: called for each entry of the source before it is opened (see walk-source.ts). */
  beforeOpen?: (path: Buffer) => Promise<void> | void;
}

/**
 * The archive to extract in the notebook user's home: work/<source> and .tjs2i/course/<source> (hard
 * links), and work/.tjs2i-seeded. Returned at once and filled asynchronously, file contents streamed.
 */
export function packDirect(options: DirectPackOptions): { stream: Readable; done: Promise<PackStats> } {
  const pack = createTarPack();
  const stats: PackStats = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
  const now = options.now ?? new Date();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const pacer = createGarbagePacer();
  const owner = { uid: options.uid, gid: 0, uname: '', gname: '' };
  const under = (top: string, rel: Buffer) => joinNames(Buffer.from(top), rel);
  const directory = (name: Buffer, mtime: number) => pack.add({ ...owner, path: name, type: 'directory', mode: ASSEMBLED_DIRECTORY_MODE, mtime });
  /** The pristine copy's entry: a hard link with the header of its target (the engine applies it to the inode). */
  const link = (rel: Buffer, header: { mode: number; mtime: number }) =>
    pack.add({ ...owner, ...header, path: under('.tjs2i/course', rel), type: 'link', linkname: under('work', rel) });
  // Whole seconds, as the upload's tar header would carry them to assemble's cp.
  const seconds = (st: Stats) => Math.floor(st.mtimeMs / 1000);

  const addFile = async (path: Buffer, rel: Buffer, listedAs: () => string) => {
    const headerOf = (stat: Stats) => ({ mode: assembledFileMode(stat.mode), mtime: seconds(stat) });
    const st = await packSourceFile(pack, path, (stat) => ({ ...owner, ...headerOf(stat), path: under('work', rel) }), pacer, listedAs);
    await link(rel, headerOf(st));
    stats.files++;
    stats.bytes += st.size;
  };

  // assemble leaves out the top-level .s2i (scripts, environment), whatever it is.
  const exclude = (relative: string, isDirectory: boolean) => relative === '.s2i' || options.filter(relative, isDirectory);

  const walk = async () => {
    const tree = openSourceTree(options.sourceDir);
    try {
      await walkSource(tree, { exclude, beforeOpen: options.beforeOpen }, async (entry) => {
        const rel = entry.rel.bytes;
        if (entry.kind === 'directory') {
          await directory(under('work', rel), seconds(entry.stat));
          await directory(under('.tjs2i/course', rel), nowSeconds);
          stats.directories++;
        } else if (entry.kind === 'symlink') {
          const { stat, linkname } = readSourceLink(entry);
          const header = { mode: 0o777, mtime: seconds(stat) };
          await pack.add({ ...owner, ...header, path: under('work', rel), type: 'symlink', linkname });
          if (options.linkSymlinks === false) await pack.add({ ...owner, ...header, path: under('.tjs2i/course', rel), type: 'symlink', linkname });
          else await link(rel, header);
          stats.symlinks++;
        } else if (entry.kind === 'file') {
          await addFile(entry.at, rel, entry.shown);
        } else {
          options.onSkip?.(displayName(rel), 'not a regular file, directory or symlink');
        }
      });
    } finally {
      closeSourceTree(tree);
    }
  };

  const done = (async () => {
    await directory(Buffer.from('.tjs2i'), nowSeconds);
    await directory(Buffer.from('.tjs2i/course'), nowSeconds);
    await walk();
    await pack.add({ ...owner, path: `work/${SEEDED_MARKER}`, type: 'file', mode: 0o664, mtime: nowSeconds }, Buffer.from(markerText(now)));
    pack.finalize();
    return stats;
  })();
  done.catch((error: unknown) => pack.destroy(error as Error));
  return { stream: pack.stream, done };
}
