/**
 * The image's final file system as the engine merges its layers, asked through a container that is
 * created and never started: the engine's stat of a path, the owner and mode of what a path leads to
 * (links followed), a small file's content. On Podman, whose archive API does not tell owners, the
 * owners come from the image's `stat`, run as the same arbitrary UID in a throwaway, confined
 * container (engine/owner-probe.ts).
 */
import type { Engine } from '../engine/engine.js';
import type { PathStat } from '../engine/path-stat.js';
import { CHECK_CONTAINER_PREFIX, uniqueName } from '../engine/unique-name.js';
import { realPath } from '../builder/tree-resolve.js';
import { CHECK_LABEL } from './check-label.js';
import { userSpec } from './arbitrary-uid.js';

/** What a path leads to, with its owner. */
export interface FileFacts {
  /** The path with every link resolved. */
  real: string;
  type: PathStat['type'];
  /** Permission bits with set-uid, set-gid and sticky. */
  mode: number;
  /** Undefined when the engine could not tell (Podman, with no `stat` in the image). */
  uid: number | undefined;
  gid: number | undefined;
}

export interface ImageFiles {
  /** The engine's stat of `path` itself (a link is not followed), or undefined. */
  stat(path: string): Promise<PathStat | undefined>;
  /** What `path` leads to, or undefined when nothing is there. */
  fileAt(path: string): Promise<FileFacts | undefined>;
  /** The content of the file `path` leads to (small files only), or undefined. */
  read(path: string): Promise<Buffer | undefined>;
  /** Removes the container, if it was made. */
  remove(): Promise<void>;
}

export function imageFiles(engine: Pick<Engine, 'containers' | 'archives'>, image: string, uid: number, signal?: AbortSignal): ImageFiles {
  const name = uniqueName(CHECK_CONTAINER_PREFIX, '-files');
  let created: Promise<string> | undefined;
  const id = () =>
    (created ??= engine.containers.createContainer(
      { image, name, user: userSpec(uid), entrypoint: ['/bin/true'], cmd: [], labels: { [CHECK_LABEL]: '1' }, restricted: true },
      signal,
    ));
  const stat = async (path: string) => engine.archives.statPath(await id(), path, signal);
  return {
    stat,
    async fileAt(path) {
      const { real, stat: leadsTo } = await realPath(path, stat);
      if (!leadsTo) return undefined;
      const [entry] = (await engine.archives.listPath(await id(), real, 1, signal)) ?? [];
      if (!entry) return undefined;
      return { real, type: leadsTo.type, mode: entry.mode & 0o7777, uid: entry.uid, gid: entry.gid };
    },
    async read(path) {
      const { real, stat: leadsTo } = await realPath(path, stat);
      return leadsTo?.type === 'file' ? engine.archives.readFile(await id(), real, signal) : undefined;
    },
    async remove() {
      if (!created) return;
      // Removed by name if the create request was interrupted.
      await engine.containers.removeContainer(await created.catch(() => name));
    },
  };
}

// An unknown group counts as group 0: a file group 0 might write is judged writable.
const groupBitsApply = (file: Pick<FileFacts, 'gid'>) => file.gid === 0 || file.gid === undefined;

/** Whether the arbitrary UID (which owns nothing) with group 0 may write it. */
export const writableByGroupZero = (file: Pick<FileFacts, 'mode' | 'gid'>) => (groupBitsApply(file) && (file.mode & 0o020) !== 0) || (file.mode & 0o002) !== 0;

/** Whether the arbitrary UID with group 0 may run it. */
export const executableByGroupZero = (file: Pick<FileFacts, 'mode' | 'gid'>) =>
  (groupBitsApply(file) && (file.mode & 0o010) !== 0) || (file.mode & 0o001) !== 0;
