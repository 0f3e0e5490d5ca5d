/** Shared helpers for the unit tests (not a test file itself). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { expect } from 'chai';
import tar from 'tar-stream';
import { UsageError } from '../../../src/common/errors.js';

export interface TarEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  size: number;
  linkname: string | undefined;
  /** Seconds since the epoch. */
  mtime: number;
  data: Buffer;
}

/** Reads a whole stream into one buffer (rejects if the stream errors). */
export function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => void chunks.push(Buffer.from(chunk)));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/** Parses a tar archive held in memory, entry by entry, in archive order. */
export function parseTar(archive: Buffer): Promise<TarEntry[]> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    const entries: TarEntry[] = [];
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
      stream.on('end', () => {
        entries.push({
          name: header.name,
          type: header.type ?? '',
          mode: header.mode ?? -1,
          uid: header.uid ?? -1,
          gid: header.gid ?? -1,
          uname: header.uname ?? '',
          gname: header.gname ?? '',
          size: header.size ?? 0,
          linkname: header.linkname ?? undefined,
          mtime: header.mtime ? Math.floor(header.mtime.getTime() / 1000) : 0,
          data: Buffer.concat(chunks),
        });
        next();
      });
      stream.resume();
    });
    extract.once('finish', () => resolve(entries));
    extract.once('error', reject);
    extract.end(archive);
  });
}

/** Reads a tar stream to its end and parses it: the raw bytes and the entries. */
export async function readTar(stream: Readable): Promise<{ raw: Buffer; entries: TarEntry[] }> {
  const raw = await readAll(stream);
  return { raw, entries: await parseTar(raw) };
}

/** A fresh temporary directory, removed by the returned function. */
export async function tempDir(prefix = 'tjs2i-unit-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs something that must throw a UsageError, and returns it. */
export function usageErrorOf(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

/** Awaits a promise that must reject, and returns what it rejected with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}
