/** A fake ArchiveClient (see fake-engine.ts). */
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { s2iScript } from '../../../src/common/package-files.js';
import type { ArchiveClient, PathEntry } from '../../../src/engine/archive-client.js';
import type { PathStat } from '../../../src/engine/path-stat.js';
import { FakeClient } from './fake-call-log.js';
import { readTar, type TarEntry } from './helpers.js';

export interface Upload {
  containerId: string;
  path: string;
  raw: Buffer;
  entries: TarEntry[];
}

/** Paths in a container: what was uploaded, and what reads, listings and stats find. */
export class FakeArchives extends FakeClient implements ArchiveClient {
  readonly uploads: Upload[] = [];
  /** What readFile finds in a container, by path: by default tjs2i's own assemble where a tjs2i builder has it. */
  files = new Map<string, string>([['/usr/libexec/s2i/assemble', readFileSync(s2iScript('assemble'), 'utf8')]]);
  /** What readArchive finds in a container, by path: the archive's bytes. */
  archives = new Map<string, Buffer>();
  /**
   * What listPath finds in a container, by path: by default a tjs2i builder's home (set-group-ID,
   * group 0, owned by uid 1000) with an empty work/ and no .tjs2i.
   */
  paths = new Map<string, PathEntry[]>([
    ['/home/jovyan', [{ name: 'jovyan/', type: 'directory', mode: 0o2775, uid: 1000, gid: 0 }]],
    ['/home/jovyan/work', [{ name: 'work/', type: 'directory', mode: 0o2775, uid: 1000, gid: 0 }]],
  ]);
  /** What statPath finds, by path. */
  stats = new Map<string, PathStat>();

  putArchiveImpl: (containerId: string, archive: Readable, path: string, signal?: AbortSignal) => Promise<void> = async (containerId, archive, path) => {
    const { raw, entries } = await readTar(archive);
    this.uploads.push({ containerId, path, raw, entries });
  };

  /** What linksSymlinks answers (a question about the engine: not logged). */
  symlinksLinked = true;

  async linksSymlinks(): Promise<boolean> {
    return this.symlinksLinked;
  }

  putArchive(containerId: string, archive: Readable, path: string, signal?: AbortSignal): Promise<void> {
    this.log.record('putArchive', [containerId, archive, path, signal]);
    return this.putArchiveImpl(containerId, archive, path, signal);
  }

  async readFile(containerId: string, path: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    this.log.record('readFile', [containerId, path, signal]);
    const content = this.files.get(path);
    return content === undefined ? undefined : Buffer.from(content);
  }

  async readArchive(containerId: string, path: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer | undefined> {
    this.log.record('readArchive', [containerId, path, maxBytes, signal]);
    const archive = this.archives.get(path);
    if (archive && archive.length > maxBytes) throw new Error(`the archive of ${path} is more than ${maxBytes} bytes`);
    return archive;
  }

  async listPath(containerId: string, path: string, limit: number, signal?: AbortSignal): Promise<PathEntry[] | undefined> {
    this.log.record('listPath', [containerId, path, limit, signal]);
    return this.paths.get(path)?.slice(0, limit);
  }

  async statPath(containerId: string, path: string, signal?: AbortSignal): Promise<PathStat | undefined> {
    this.log.record('statPath', [containerId, path, signal]);
    return this.stats.get(path);
  }
}
