/**
 * Reading the source's files for the packers (the upload tar and the direct write) and the scans of
 * the source (.s2iignore, Git LFS pointers).
 *
 * Opening, stat-ing and reading a small file are synchronous calls: each asynchronous one is a round
 * trip through libuv's thread pool, and a course of 2,000 notebooks packed with five of them per file
 * spent 1.3 of its 1.7 s waiting for them (CPU profile). A synchronous call on a local file takes
 * microseconds; the packers still yield to the event loop after every entry (the pack's
 * back-pressure), and big files are streamed asynchronously.
 *
 * The source may change while it is read (a course edited during a build, or a hostile source raced
 * by another process). A file is opened without following a symlink and without waiting for a writer
 * (O_NONBLOCK: a FIFO swapped in would otherwise hold the open, and the build, forever), and must be a
 * regular file once open; its header's size comes from the open file, and exactly that many bytes are
 * read. A file that is no longer what its directory's listing said, or that grows or shrinks while it
 * is read, is one SourceReadError naming it: a source that changes under the build is not the source
 * that was built, and the user builds again.
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
  fd: number;
  stat: Stats;
  /** The path as messages show it (made only when a message needs it). */
  shown: () => string;
}

/** O_NONBLOCK changes nothing for a regular file; it only keeps the open of a FIFO from waiting. */
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Opens a source file for packing, never through a symlink, and checks it is a regular file; a
 * failure is one clear SourceReadError. `listedAs` is given for a file its directory's listing (or an
 * lstat) gave as a regular file, with how messages name it: what is found instead then means the
 * source changed. The caller closes it with `closeSourceFile`.
 */
export function openSourceFile(path: string | Buffer, listedAs?: () => string): SourceFile {
  const shown = listedAs ?? (() => displayName(path));
  let fd: number;
  try {
    fd = openSync(path, FILE_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (listedAs && code === 'ELOOP') throw changedWhilePacked(shown(), 'it is now a symlink');
    if (listedAs && code === 'ENOENT') throw changedWhilePacked(shown(), 'it was removed');
    throw new SourceReadError(`cannot read ${shown()}: ${code === 'ELOOP' ? 'it is a symlink' : failure(error)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw listedAs ? changedWhilePacked(shown(), 'it is no longer a regular file') : new SourceReadError(`cannot pack ${shown()}: not a regular file`);
    }
    return { fd, stat, shown };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

export function closeSourceFile(file: SourceFile): void {
  closeSync(file.fd);
}

/**
 * The whole content of a file, exactly the size its status gave (meant for small files, at most
 * SMALL_FILE_BYTES, and files read whole anyway): a file that shrank or grew since is a clear error.
 */
export function readSmallSourceFile(file: SourceFile): Buffer {
  const size = file.stat.size;
  // One byte more than the status gave: a file that grew fills it, with no extra call to tell.
  const data = Buffer.allocUnsafe(size + 1);
  let read = 0;
  do {
    const n = readSync(file.fd, data, read, size + 1 - read, read);
    if (n === 0) break;
    read += n;
  } while (read < size);
  if (read < size) throw changedWhilePacked(file.shown(), `${read} bytes read of ${size}`);
  if (read > size) throw grew(file);
  return data.subarray(0, size);
}

/** A whole source file by its path (see openSourceFile for `listedAs`). */
export function readWholeSourceFile(path: string | Buffer, listedAs?: () => string): Buffer {
  const file = openSourceFile(path, listedAs);
  try {
    return readSmallSourceFile(file);
  } finally {
    closeSourceFile(file);
  }
}

/** The content of a big file as a stream of exactly the size its status gave; the file stays open. */
export function streamSourceFile(file: SourceFile): Readable {
  return createReadStream('', { fd: file.fd, start: 0, end: file.stat.size - 1, autoClose: false });
}

/** Once a big file's stream has ended: an error when the file has grown since it was opened (one read of a byte). */
export function checkNotGrown(file: SourceFile): void {
  if (readSync(file.fd, Buffer.allocUnsafe(1), 0, 1, file.stat.size) > 0) throw grew(file);
}

const grew = (file: SourceFile) => changedWhilePacked(file.shown(), `it grew past the ${file.stat.size} bytes it had when opened`);

export function changedWhilePacked(shown: string, detail: string): SourceReadError {
  return new SourceReadError(`${shown} changed while it was being packed (${detail}); build again`);
}

/** Why a file could not be opened or read, for a message. */
export function failure(error: unknown): string {
  return (error as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (error as Error).message;
}
