/** Running commands for the benchmark: the docker CLI, git, and the tjs2i CLI timed with its peak RSS. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { track } from './resources.js';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const BIN = join(ROOT, 'bin', 'tjs2i');
const PRELOAD = pathToFileURL(new URL('../test/support/max-rss.js', import.meta.url).pathname).href;

export interface Completed {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The child running now, so Ctrl-C can stop it before cleaning up. */
let current: ReturnType<typeof spawn> | undefined;
export const currentChild = () => current;

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the command's stdin. */
  input?: string;
}

/** Runs a command to its end, timed from spawn to exit. */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<Completed> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      // A group of its own: Ctrl-C reaches the benchmark only, which stops the child once (a second
      // signal would make tjs2i exit without cleaning up).
      detached: true,
    });
    current = child;
    if (options.input !== undefined) child.stdin?.end(options.input);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (current === child) current = undefined;
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
  });
}

/** Runs a command and fails with its stderr when it fails. */
export async function check(file: string, args: readonly string[], options: RunOptions = {}): Promise<Completed> {
  const result = await run(file, args, options);
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.code}: ${lastLines(result.stderr || result.stdout)}`);
  return result;
}

export const docker = async (...args: string[]): Promise<string> => (await check('docker', args)).stdout.trim();

/** Runs `a | b` (both to their end) and times the pair; fails when either fails. */
export function pipe(a: readonly string[], b: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const first = spawn(a[0]!, a.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const second = spawn(b[0]!, b.slice(1), { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
    current = second;
    first.stdout.pipe(second.stdin);
    second.stdin.on('error', () => undefined); // EPIPE when the second fails first: reported by its exit code
    // A second that fails first (a full disk) must not leave the first blocked on a full pipe: what
    // it still writes is drained, and it is stopped (only then: a first that just closed its output
    // may not have exited yet when the second ends well).
    second.once('close', (code) => {
      first.stdout.resume();
      if (code !== 0 && first.exitCode === null) first.kill();
    });
    const errors: string[] = [];
    first.stderr.on('data', (chunk: Buffer) => errors.push(chunk.toString()));
    second.stderr.on('data', (chunk: Buffer) => errors.push(chunk.toString()));
    const exit = (child: ReturnType<typeof spawn>) =>
      new Promise<number>((done, fail) => {
        child.once('error', fail);
        child.once('close', (code) => done(code ?? 1));
      });
    Promise.all([exit(first), exit(second)]).then(([x, y]) => {
      if (current === second) current = undefined;
      if (x !== 0 || y !== 0) reject(new Error(`${a.join(' ')} | ${b.join(' ')} exited ${x}/${y}: ${lastLines(errors.join(''))}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e6);
    }, reject);
  });
}

export interface CliRun extends Completed {
  /** Peak resident set size of the CLI's own process, in bytes (its children not included). */
  maxRss?: number;
}

let cacheDir: Promise<string> | undefined;

/**
 * The benchmark's own cache of passed builder checks (src/build/direct-write-cache.ts), empty when it starts: the
 * warm-up build fills it, as a user's first build does, whatever earlier runs left in theirs.
 */
function benchCacheDir(): Promise<string> {
  cacheDir ??= mkdtemp(join(tmpdir(), 'tjs2i-bench-cache-')).then((dir) => {
    track.dir(dir);
    return dir;
  });
  return cacheDir;
}

/** Runs `node bin/tjs2i <args>` as a user would, timed from spawn to exit, with its peak RSS. */
export async function tjs2i(args: readonly string[]): Promise<CliRun> {
  const rssFile = join(tmpdir(), `tjs2i-bench-rss-${randomBytes(4).toString('hex')}`);
  try {
    const env = { ...process.env, TJS2I_MAX_RSS_FILE: rssFile, TJS2I_CACHE_DIR: await benchCacheDir() };
    const result = await run(process.execPath, ['--import', PRELOAD, BIN, ...args], { env });
    const rss = Number((await readFile(rssFile, 'utf8').catch(() => '')).trim());
    return { ...result, ...(rss > 0 ? { maxRss: rss } : {}) };
  } finally {
    await rm(rssFile, { force: true });
  }
}

/** Starts `node bin/tjs2i <args>` without waiting for it (a preview), as the child Ctrl-C stops. */
export async function startTjs2i(args: readonly string[]): Promise<ReturnType<typeof spawn>> {
  const env = { ...process.env, TJS2I_CACHE_DIR: await benchCacheDir() };
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
  current = child;
  child.once('close', () => {
    if (current === child) current = undefined;
  });
  return child;
}

export function lastLines(text: string, count = 5): string {
  return text.trim().split('\n').slice(-count).join(' / ');
}
