/**
 * Incremental builds: `save-artifacts` runs in the previous image of the output tag and writes a
 * tar of what it wants to keep (dependencies, caches) to stdout; that tar becomes
 * `<destination>/artifacts` in the new build container, where `assemble` can restore it.
 * The stream is kept in a temporary file and read through once before anything is uploaded, so a
 * broken stream means a clean build (with a warning), never a half-restored one.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { Engine } from './engine.js';
import { InterruptedError, throwIfAborted } from './errors.js';
import type { Logger } from './log.js';
import type { ScriptLocation } from './scripts.js';
import { packTrees } from './tar.js';

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
export async function saveArtifacts(engine: Engine, spec: SaveArtifactsSpec, logger: Logger, signal?: AbortSignal): Promise<SavedArtifacts | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'tjs2i-artifacts-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const path = join(dir, 'artifacts.tar');
  const name = `tjs2i-build-${randomBytes(6).toString('hex')}-save`;
  let container: string | undefined;
  try {
    container = name;
    const id = await engine.createContainer(
      { image: spec.image, name, user: spec.user, entrypoint: ['/usr/bin/env'], cmd: [spec.script.imagePath], env: spec.env },
      signal,
    );
    container = id;
    if (spec.script.hostPath) {
      const pack = packTrees({ uid: spec.uid, gid: 0, trees: [], files: [{ source: spec.script.hostPath, name: 'scripts/save-artifacts', mode: 0o755 }] });
      await Promise.all([pack.done, engine.putArchive(id, pack.stream, spec.destination, signal)]);
    }
    const file = createWriteStream(path);
    const exitCode = await engine.run(
      id,
      (chunk, stream) => {
        if (stream === 'stdout') file.write(chunk);
        else logger.output(chunk);
      },
      signal,
    );
    file.end();
    await finished(file);
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
    if (container) await engine.removeContainer(container).catch((error: unknown) => logger.warn(`could not remove container ${name}: ${String(error)}`));
  }
}

/** Reads a tar through, failing on a truncated or corrupt one. An empty stream is an empty tar. */
export async function readTar(path: string): Promise<{ entries: number; bytes: number }> {
  let entries = 0;
  let bytes = 0;
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    entries++;
    bytes += header.size ?? 0;
    stream.on('end', next);
    stream.resume();
  });
  await pipeline(createReadStream(path), extract);
  return { entries, bytes };
}

/**
 * The saved tar again, every entry moved under `artifacts/` and owned by the build user (group 0),
 * for putArchive at the destination. Only files, directories, symlinks and hard links (within the
 * archive) are carried over.
 */
export function artifactsArchive(path: string, uid: number): Readable {
  const extract = tar.extract();
  const pack = tar.pack();
  pack.entry({ name: 'artifacts/', type: 'directory', mode: 0o775, uid, gid: 0 });
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
    const safe = name !== '' && name !== '.' && !name.split('/').includes('..');
    const kinds = new Set(['file', 'directory', 'symlink', 'link']);
    if (!safe || !kinds.has(header.type ?? 'file')) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    const linkname = header.type === 'link' && header.linkname ? `artifacts/${header.linkname.replace(/^(\.\/)+/, '')}` : header.linkname;
    const entry = pack.entry({ ...header, name: `artifacts/${name}`, linkname, uid, gid: 0, uname: '', gname: '', mode: (header.mode ?? 0o644) & 0o1777 }, (error) => {
      if (error) extract.destroy(error);
      else next();
    });
    stream.pipe(entry);
  });
  extract.on('finish', () => pack.finalize());
  extract.on('error', (error) => pack.destroy(error));
  createReadStream(path).on('error', (error) => extract.destroy(error)).pipe(extract);
  return pack as unknown as Readable;
}
