/**
 * Changing a source tree in the middle of a walk, for the tests of the packers' races: each swap is
 * made from the packer's test hook (between an entry's lstat and its open), so a test cannot pass
 * without reaching the race.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';

/** When the child of {@link swapForFifo} opens the FIFO: a test that took half of it or more waited on the FIFO. */
export const FIFO_WRITER_AFTER_MS = 5000;

/**
 * Replaces a file by a FIFO. A packer that opens it without O_NONBLOCK would wait for a writer
 * forever, holding the event loop (so no mocha timeout could fire): a child opens the FIFO after
 * FIFO_WRITER_AFTER_MS, so such a packer is freed late and its test fails on time instead of
 * hanging. Stop the child with {@link FifoSwap.stop} when the test is done.
 */
export function swapForFifo(path: string, unblockAfterMs = FIFO_WRITER_AFTER_MS): FifoSwap {
  rmSync(path);
  execFileSync('mkfifo', [path]);
  // Opening a FIFO for reading and writing never blocks on Linux, and frees a reader waiting in open.
  // One process (not a shell and its sleep), so stopping it leaves nothing behind.
  const opener = 'setTimeout(() => require("node:fs").openSync(process.argv[1], "r+"), Number(process.argv[2]))';
  const child = spawn(process.execPath, ['-e', opener, path, String(unblockAfterMs)], { stdio: 'ignore' });
  return { stop: () => stopChild(child) };
}

export interface FifoSwap {
  stop: () => void;
}

function stopChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill();
}

/** Replaces a directory by a symlink to `target` (the directory itself is kept aside, as `<path>.moved`). */
export function swapForSymlink(path: string, target: string): void {
  renameSync(path, `${path}.moved`);
  symlinkSync(target, path);
}

/** Replaces a file by another file with `content` (a new inode, renamed over it, as an editor saves). */
export function swapForNewFile(path: string, content: string): void {
  writeFileSync(`${path}.new`, content);
  renameSync(`${path}.new`, path);
}

/** Every byte a stream gave until it ended or failed, and its error if it failed. */
export function readUntilError(stream: Readable): Promise<{ data: Buffer; error: Error | undefined }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => void chunks.push(Buffer.from(chunk)));
    stream.once('end', () => resolve({ data: Buffer.concat(chunks), error: undefined }));
    stream.once('error', (error) => resolve({ data: Buffer.concat(chunks), error }));
  });
}
