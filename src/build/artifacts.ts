/**
 * Incremental builds: `save-artifacts` runs in the previous image of the output tag and writes a
 * tar of what it wants to keep (dependencies, caches) to stdout; that tar becomes
 * `<destination>/artifacts` in the new build container, where `assemble` can restore it.
 * The stream is kept in a temporary file and read through once before anything is uploaded, so a
 * broken stream means a clean build (with a warning), never a half-restored one.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Engine } from '../engine/engine.js';
import { BUILD_CONTAINER_PREFIX, uniqueName } from '../engine/unique-name.js';
import { InterruptedError, throwIfAborted } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { ScriptLocation } from '../s2i/scripts.js';
import { packTrees } from '../source/pack-trees.js';
import { createTarPack } from '../common/tar/tar-pack.js';
import { unpackTar } from '../common/tar/tar-unpack.js';

export interface SaveArtifactsSpec {
  /** The previous image (its id). */
  image: string;
  script: ScriptLocation;
  user: string;
  uid: number;
  env: string[];
  destination: string;
}

export interface SavedArtifacts {
  /** The tar written by save-artifacts. */
  path: string;
  entries: number;
  bytes: number;
  cleanup(): Promise<void>;
}

/**
 * Runs save-artifacts in a container of the previous image. Undefined (after a warning) when it
 * fails or writes something that is not a tar; the caller then builds from scratch.
 */
export async function saveArtifacts(
  engine: Pick<Engine, 'containers' | 'archives'>,
  spec: SaveArtifactsSpec,
  logger: Logger,
  signal?: AbortSignal,
): Promise<SavedArtifacts | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'tjs2i-artifacts-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const path = join(dir, 'artifacts.tar');
  const name = uniqueName(BUILD_CONTAINER_PREFIX, '-save');
  let container: string | undefined;
  try {
    container = name;
    const id = await engine.containers.createContainer(
      { image: spec.image, name, user: spec.user, entrypoint: ['/usr/bin/env'], cmd: [spec.script.imagePath], env: spec.env },
      signal,
    );
    container = id;
    if (spec.script.hostPath) {
      const pack = packTrees({ uid: spec.uid, gid: 0, trees: [], files: [{ source: spec.script.hostPath, name: 'scripts/save-artifacts', mode: 0o755 }] });
      await Promise.all([pack.done, engine.archives.putArchive(id, pack.stream, spec.destination, signal)]);
    }
    // The engine's demultiplexer cannot be paused, so output is written as it comes; a write error
    // (a full disk) is kept and turns into a clean build once the container is done.
    const file = createWriteStream(path);
    let writeError: Error | undefined;
    file.on('error', (error) => (writeError ??= error));
    let exitCode: number;
    try {
      exitCode = await engine.containers.run(
        id,
        (chunk, stream) => {
          if (stream === 'stderr') logger.output(chunk, stream);
          else if (!writeError) file.write(chunk);
        },
        signal,
      );
    } finally {
      file.end();
      await finished(file).catch(() => undefined);
    }
    if (writeError) {
      logger.warn(`could not keep the artifacts (${writeError.message}); building from scratch`);
      await cleanup();
      return undefined;
    }
    throwIfAborted(signal);
    if (exitCode !== 0) {
      logger.warn(`save-artifacts failed with exit code ${exitCode}; building from scratch`);
      await cleanup();
      return undefined;
    }
    const checked = await readTar(path).catch((error: unknown) => {
      logger.warn(`save-artifacts did not write a valid tar (${(error as Error).message}); building from scratch`);
      return undefined;
    });
    if (!checked) {
      await cleanup();
      return undefined;
    }
    return { path, ...checked, cleanup };
  } catch (error) {
    await cleanup();
    throw error instanceof InterruptedError || signal?.aborted ? new InterruptedError() : error;
  } finally {
    if (container)
      await engine.containers.removeContainer(container).catch((error: unknown) => logger.warn(`could not remove container ${name}: ${String(error)}`));
  }
}

/** Reads a tar through, failing on a truncated or corrupt one. An empty stream is an empty tar. */
export async function readTar(path: string): Promise<{ entries: number; bytes: number }> {
  let entries = 0;
  let bytes = 0;
  for await (const { header } of unpackTar(createReadStream(path))) {
    entries++;
    bytes += header.size;
  }
  return { entries, bytes };
}

/**
 * The saved tar again, every entry moved under `artifacts/` and owned by the build user (group 0),
 * for putArchive at the destination. Only files, directories, symlinks and hard links (within the
 * archive) are carried over. Names and link targets keep their bytes (a cache may hold names that
 * are not UTF-8). The engine extracts through symlinks it has just written, so a symlink is carried
 * only when it is relative and stays inside `artifacts/`, and nothing below a carried symlink (or
 * file) is: `a -> /usr/libexec/s2i` then `a/run` would replace the builder's script in the build
 * container.
 */
export function artifactsArchive(path: string, uid: number, linkSymlinks = true): Readable {
  const pack = createTarPack();
  const owner = { uid, gid: 0, uname: '', gname: '' };
  const under = (name: string) => Buffer.from(`artifacts/${name}`, 'latin1');
  const copy = async () => {
    await pack.add({ ...owner, path: 'artifacts/', type: 'directory', mode: 0o775, mtime: Math.floor(Date.now() / 1000) });
    const written = new Set<string>();
    /** Carried symlinks and their targets: a hard link to one becomes a copy where the engine would follow it (ArchiveClient.linksSymlinks). */
    const symlinks = new Map<string, Buffer>();
    /** Carried entries that are not directories: nothing may be written below them. */
    const leaves = new Set<string>();
    for await (const { header, data } of unpackTar(createReadStream(path))) {
      const name = safeName(header.path);
      const { type } = header;
      // A hard link may only point at an entry already carried over (inside artifacts/).
      const target = type === 'link' ? safeName(header.linkname) : undefined;
      // A hard link to a symlink is that symlink again at another name, where its relative target may
      // lead elsewhere: carried only when it stays inside artifacts/ from there too.
      const linkedSymlink = target !== undefined ? symlinks.get(target) : undefined;
      const keep =
        name !== undefined &&
        !belowAny(name, leaves) &&
        (type === 'file' ||
          type === 'directory' ||
          (type === 'symlink' && staysInside(name, header.linkname.toString('latin1'))) ||
          (type === 'link' &&
            target !== undefined &&
            written.has(target) &&
            (linkedSymlink === undefined || staysInside(name, linkedSymlink.toString('latin1')))));
      if (!keep) continue;
      written.add(name);
      if (type !== 'directory') leaves.add(name);
      // A fresh header: nothing of the original (pax records, owners, devices) is carried over, so a
      // pax path cannot put an entry outside artifacts/ and a pax uid cannot change its owner.
      const fresh = { ...owner, path: under(name), mode: header.mode & 0o1777, mtime: header.mtime };
      if (type === 'file') await pack.addStream({ ...fresh, type, size: header.size }, data);
      else if (type === 'symlink') {
        symlinks.set(name, header.linkname);
        await pack.add({ ...fresh, type, linkname: header.linkname });
      } else if (type === 'link') {
        if (linkedSymlink) symlinks.set(name, linkedSymlink);
        if (linkedSymlink && !linkSymlinks) await pack.add({ ...fresh, type: 'symlink', linkname: linkedSymlink });
        else await pack.add({ ...fresh, type, linkname: under(target as string) });
      } else await pack.add({ ...fresh, type });
    }
    pack.finalize();
  };
  copy().catch((error: unknown) => pack.destroy(error as Error));
  return pack.stream;
}

/**
 * An entry name relative to the archive's top, or undefined for one that is empty, absolute or
 * climbs out. As Latin-1 text, one character per byte, so any name comes back as its bytes.
 */
function safeName(raw: Buffer): string | undefined {
  const name = raw
    .toString('latin1')
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
  if (name === '' || name === '.' || name.startsWith('/')) return undefined;
  return name.split('/').some((part) => part === '..') ? undefined : name;
}

/** Whether `name` is below one of `leaves` (a path that is not a directory in the archive). */
function belowAny(name: string, leaves: ReadonlySet<string>): boolean {
  const parts = name.split('/');
  for (let i = 1; i < parts.length; i++) if (leaves.has(parts.slice(0, i).join('/'))) return true;
  return false;
}

/** Whether a symlink at `name` to `target` is relative and resolves inside the archive's top. */
function staysInside(name: string, target: string): boolean {
  if (target === '' || target.startsWith('/')) return false;
  const resolved = posix.normalize(posix.join(posix.dirname(name), target));
  return resolved !== '..' && !resolved.startsWith('../');
}
