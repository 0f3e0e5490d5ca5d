/**
 * Reading the source's files for the packers (the upload tar and the direct write).
 *
 * Opening, stat-ing and reading a small file are synchronous calls: each asynchronous one is a round
 * trip through libuv's thread pool, and a course of 2,000 notebooks packed with five of them per file
 * spent 1.3 of its 1.7 s waiting for them (CPU profile). A synchronous call on a local file takes
 * microseconds; the packers still yield to the event loop after every entry (the pack's
 * back-pressure), and big files are streamed asynchronously.
 */
import { closeSync, constants, createReadStream, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import type { Readable } from 'node:stream';
import { displayName } from './raw-names.js';
import { UsageError } from '../common/errors.js';

/** Files up to this size are read in one piece (the size of one chunk of a read stream). */
export const SMALL_FILE_BYTES = 64 * 1024;

/** The source changed or could not be read while it was being packed. */
export class SourceReadError extends UsageError {}

/** An open regular file of the source and its status, taken from the open file itself. */
export interface SourceFile {
  /** The path as messages show it. */
  path: string;
  fd: number;
  stat: Stats;
}

/**
 * Opens a source file for packing, never through a symlink, and checks it is a regular file; a
 * failure is one clear SourceReadError. The caller closes it with `closeSourceFile`.
 */
export function openSourceFile(path: string | Buffer): SourceFile {
  const shown = displayName(path);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ELOOP' ? 'it is a symlink' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new SourceReadError(`cannot read ${shown}: ${why}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new SourceReadError(`cannot pack ${shown}: not a regular file`);
    return { path: shown, fd, stat };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

export function closeSourceFile(file: SourceFile): void {
  closeSync(file.fd);
}

/**
 * The whole content of a small file (at most SMALL_FILE_BYTES), exactly the size its status gave:
 * a file that shrank since is a clear error (one that grew is cut at that size, as tar does).
 */
export function readSmallSourceFile(file: SourceFile): Buffer {
  const size = file.stat.size;
  const data = Buffer.allocUnsafe(size);
  let read = 0;
  while (read < size) {
    const n = readSync(file.fd, data, read, size - read, read);
    if (n === 0) throw changedWhilePacked(file, `${read} bytes read of ${size}`);
    read += n;
  }
  return data;
}

/** The content of a big file as a stream of exactly the size its status gave; the file stays open. */
export function streamSourceFile(file: SourceFile): Readable {
  return createReadStream('', { fd: file.fd, start: 0, end: file.stat.size - 1, autoClose: false });
}

export function changedWhilePacked(file: SourceFile, detail: string): SourceReadError {
  return new SourceReadError(`${file.path} changed while it was being packed (${detail}); build again`);
}
