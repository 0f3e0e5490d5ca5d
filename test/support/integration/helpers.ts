/**
 * Helpers for the integration tests: they drive the real CLI (bin/tjs2i) against the real Docker
 * engine and look at what a user would see (exit codes, stderr, `docker inspect`, Jupyter's API).
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'tjs2i');
export const STANDIN = 'tjs2i-fixture/minimal-notebook:latest';
export const DEBIAN = 'tjs2i-fixture-debian:bookworm';
/** Every image the tests make is named with this prefix and removed at the end of the run. */
export const TEST_PREFIX = 'tjs2i-test-';
export const TEST_LABEL = 'io.tjs2i.test=1';
export const REQUIRE_DOCKER = process.env.TJS2I_REQUIRE_DOCKER === '1';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function exec(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(file, args, { env: options.env ?? process.env, cwd: options.cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

export async function docker(...args: string[]): Promise<string> {
  const result = await exec('docker', args);
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/**
 * The environment the tests run the CLI in: stderr is a pipe, and the tests compare its lines
 * exactly, so without the timestamps of CI logs (ci-logs.test.ts runs it with them).
 */
export function cliEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // No cache of passed builder checks: every build checks for real (direct-write.test.ts tests the cache).
  return { ...process.env, TJS2I_TIMESTAMPS: '0', TJS2I_CACHE_DIR: '', ...env };
}

/** Runs the real CLI. */
export function tjs2i(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return exec(process.execPath, [BIN, ...args], { env: cliEnv(env) });
}

/** Starts the CLI without waiting, for tests that signal it. */
export function spawnTjs2i(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv() });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  return { child, exited, stderr: () => stderr };
}

export async function engineAnswers(): Promise<boolean> {
  return (await exec('docker', ['info', '--format', '{{.ServerVersion}}'])).code === 0;
}

export async function imageExists(name: string): Promise<boolean> {
  return (await exec('docker', ['image', 'inspect', name])).code === 0;
}

export async function imageId(name: string): Promise<string | undefined> {
  const result = await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', name]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

export async function inspectImage(name: string): Promise<{
  Id: string;
  Config: {
    Cmd: string[];
    User: string;
    Entrypoint: string[] | null;
    Env: string[];
    Labels: Record<string, string>;
    Healthcheck?: { Test: string[] };
    WorkingDir: string;
  };
}> {
  return JSON.parse(await docker('image', 'inspect', name))[0];
}

export const uniqueName = (what: string) => `${TEST_PREFIX}${what}-${randomBytes(4).toString('hex')}`;

/** An arbitrary UID as a platform like OpenShift would assign (never 0 or 1000). */
export const randomUid = () => randomInt(100_000, 2_000_000_000);

/** Build, inspect and check containers tjs2i made that still exist. */
export async function leftoverContainers(): Promise<string[]> {
  const out = await docker('ps', '-a', '--format', '{{.Names}}');
  return out
    .split('\n')
    .filter((n) => n.startsWith('tjs2i-build-') || n.startsWith('tjs2i-inspect-') || n.startsWith('tjs2i-check-') || n.startsWith('tjs2i-owners-'));
}

/**
 * Build, inspect and check containers that appeared since `before` and are still there. Other test runs
 * on the same engine may be building at the same moment: a new container is only reported if it
 * is still there a while later (tjs2i removes its own as soon as its build ends).
 */
export async function newLeftovers(before: string[], graceMs = 20_000): Promise<string[]> {
  const fresh = async () => (await leftoverContainers()).filter((n) => !before.includes(n));
  const first = await fresh();
  if (first.length === 0) return [];
  await new Promise((resolve) => setTimeout(resolve, graceMs));
  const still = await fresh();
  return first.filter((n) => still.includes(n));
}

export async function leftoverTempDirs(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((n) => /^tjs2i-(src|scripts|artifacts)-/.test(n));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `tjs2i-test-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

let builderPromise: Promise<string> | undefined;

/** The builder made from the stand-in, once per test run (the root hook removes it). */
export function testBuilder(): Promise<string> {
  builderPromise ??= (async () => {
    const tag = `${TEST_PREFIX}builder:${randomBytes(3).toString('hex')}`;
    const result = await tjs2i(['builder', 'minimal-notebook', '--from', STANDIN, '--tag', tag]);
    if (result.code !== 0) throw new Error(`tjs2i builder failed (${result.code}):\n${result.stderr}`);
    return tag;
  })();
  return builderPromise;
}

/** Removes every image, container, volume and network the tests made. */
export async function removeTestArtifacts(): Promise<void> {
  const containers = (await docker('ps', '-aq', '--filter', `label=${TEST_LABEL}`)).split('\n').filter(Boolean);
  if (containers.length) await exec('docker', ['rm', '-f', ...containers]);
  // Volumes and networks a test made and could not remove (a killed run, a failed teardown); after the containers that used them.
  const volumes = (await docker('volume', 'ls', '-q', '--filter', `label=${TEST_LABEL}`)).split('\n').filter(Boolean);
  if (volumes.length) await exec('docker', ['volume', 'rm', '-f', ...volumes]);
  const networks = (await docker('network', 'ls', '-q', '--filter', `label=${TEST_LABEL}`)).split('\n').filter(Boolean);
  if (networks.length) await exec('docker', ['network', 'rm', ...networks]);
  const images = (await docker('images', '--format', '{{.Repository}}:{{.Tag}}')).split('\n').filter((n) => n.startsWith(TEST_PREFIX));
  if (images.length) await exec('docker', ['rmi', '-f', ...images]);
  // Images a rebuild to the same tag left untagged, and previews a failed test left, made from a test builder.
  const untagged = (await docker('images', '-q', '--filter', 'dangling=true', '--filter', 'label=io.openshift.s2i.build.image')).split('\n').filter(Boolean);
  const previews = (await docker('images', '--format', '{{.Repository}}:{{.Tag}}')).split('\n').filter((n) => n.startsWith('tjs2i-preview-'));
  const dangling: string[] = [];
  for (const id of new Set([...untagged, ...previews])) {
    const builtWith = await exec('docker', ['image', 'inspect', '--format', '{{index .Config.Labels "io.openshift.s2i.build.image"}}', id]);
    if (builtWith.stdout.trim().startsWith(TEST_PREFIX)) dangling.push(id);
  }
  if (dangling.length) await exec('docker', ['rmi', '-f', ...dangling]);
}
