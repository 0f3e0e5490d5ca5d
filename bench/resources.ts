/**
 * Everything the benchmark makes (containers, images, temporary directories) is registered here and
 * removed at the end, after a failure, and on Ctrl-C (SIGINT, SIGTERM, SIGHUP).
 */
import { rm } from 'node:fs/promises';
import { currentChild, run } from './processes.js';

export const BENCH_LABEL = 'io.tjs2i.bench=1';
export const BENCH_PREFIX = 'tjs2i-bench-';

const containers = new Set<string>();
/** Images in creation order: removed newest first, so outputs go before the builder they are built on. */
const images: string[] = [];
const dirs = new Set<string>();

export const track = {
  container: (name: string) => void containers.add(name),
  image: (name: string) => void images.push(name),
  dir: (path: string) => void dirs.add(path),
};

export async function removeContainer(name: string): Promise<void> {
  await run('docker', ['rm', '-f', name]);
  containers.delete(name);
}

export async function removeImage(name: string): Promise<void> {
  await run('docker', ['rmi', '-f', name]);
  const index = images.indexOf(name);
  if (index >= 0) images.splice(index, 1);
}

export async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
  dirs.delete(path);
}

export async function cleanupAll(): Promise<void> {
  for (const name of [...containers]) await removeContainer(name);
  for (const name of [...images].reverse()) await removeImage(name);
  for (const path of [...dirs]) await removeDir(path);
}

let interrupted = false;
export const wasInterrupted = () => interrupted;

/** On the first signal: stop the running command, clean up, exit 130; a second signal exits at once. */
export function cleanupOnSignals(log: (line: string) => void): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      log(`\n${signal}: stopping and removing what the benchmark made (again to exit at once)`);
      const child = currentChild();
      const stopped = new Promise<void>((resolve) => {
        if (!child || child.exitCode !== null) return resolve();
        child.once('close', () => resolve());
        child.kill('SIGINT');
        setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 15_000).unref();
      });
      stopped
        .then(cleanupAll)
        .catch((error: unknown) => log(`cleanup: ${(error as Error).message}`))
        .finally(() => process.exit(130));
    });
  }
}
