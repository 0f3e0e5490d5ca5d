/** Paths in a container's file system, through the engine's archive API: upload, read, list, stat. */
import type { Readable } from 'node:stream';
import type { PathStat } from './path-stat.js';

/** One entry of a path inside a container, as the engine's archive of it describes it. */
export interface PathEntry {
  /** Relative to the parent of the path asked for (the path itself is its base name). */
  name: string;
  type: string;
  /** Permission bits with set-uid, set-gid and sticky. */
  mode: number;
  /** The owner's ids; undefined when the engine could not tell them (on Podman, see owner-probe.ts). */
  uid: number | undefined;
  gid: number | undefined;
}

export interface ArchiveClient {
  /** Extracts a tar into `path` of the container; a `path` the image lacks is a UsageError. */
  putArchive(containerId: string, archive: Readable, path: string, signal?: AbortSignal): Promise<void>;
  /**
   * Whether putArchive makes a hard link to a symbolic link as one (Docker, like `ln`), so archives
   * may hold such links. Podman's does not: it follows the symlink, hard-linking its target (another
   * file than asked for) or failing on a dangling one; write a second symlink there instead.
   */
  linksSymlinks(signal?: AbortSignal): Promise<boolean>;
  /** One regular file from a container's file system, or undefined if it is not there. */
  readFile(containerId: string, path: string, signal?: AbortSignal): Promise<Buffer | undefined>;
  /**
   * The engine's archive of one path in a container as it sends it (a tar, up to `maxBytes`: more is
   * an error), or undefined if nothing is there.
   */
  readArchive(containerId: string, path: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer | undefined>;
  /**
   * The first `limit` entries of the archive of `path` in a container (the path itself first, then
   * what is below it), without reading the rest; undefined when the path does not exist.
   */
  listPath(containerId: string, path: string, limit: number, signal?: AbortSignal): Promise<PathEntry[] | undefined>;
  /**
   * A path's stat in a (created) container, from the archive API's X-Docker-Container-Path-Stat
   * header: the last component is not followed, a symbolic link's target is given fully resolved;
   * undefined when the path does not exist.
   */
  statPath(containerId: string, path: string, signal?: AbortSignal): Promise<PathStat | undefined>;
}
