/**
 * The tjs2i image, built from the repository's Dockerfile on the local Node bases (test/fixtures/node/:
 * BASE tjs2i-fixture/node:20, and BUILD_BASE the same with an offline npm cache, since npm in a build
 * container cannot use the registry here) as `tjs2i-fixture/tjs2i:<hash>`. The hash covers every file
 * the Dockerfile reads and the base images, and is also a label: a rerun with the same
 * inputs reuses the image without building. It is a fixture, kept after the run (not named with the
 * test prefix); versions of other hashes older than a day are removed when a new one is built.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { docker, exec, ROOT } from './helpers.js';

export const NODE_BASE = 'tjs2i-fixture/node:20';
export const NODE_BUILD_BASE = 'tjs2i-fixture/node:20-npm-cache';
export const TJS2I_IMAGE_REPOSITORY = 'tjs2i-fixture/tjs2i';
/** The image's USER: a numeric uid, group 0. */
export const TJS2I_IMAGE_USER = '10001:0';
const HASH_LABEL = 'io.tjs2i.fixture.hash';
const STALE_MS = 24 * 3600_000;

/** What the Dockerfile reads (the .dockerignore allowlist, and those two files). */
const INPUTS = ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'src', 'bin', 'assemble', 'run', 'usage'];

/** Paths, modes and contents of the inputs (sorted), and the base images' ids. */
async function inputsHash(baseIds: string[]): Promise<string> {
  const hash = createHash('sha256').update(`${baseIds.join('\n')}\n`);
  const add = async (relative: string): Promise<void> => {
    const path = join(ROOT, relative);
    const stat = await lstat(path);
    hash.update(`${relative}\0${(stat.mode & 0o777).toString(8)}\0`);
    if (stat.isDirectory()) {
      for (const name of (await readdir(path)).sort()) await add(`${relative}/${name}`);
    } else if (stat.isSymbolicLink()) {
      hash.update(await readlink(path));
    } else {
      hash.update(await readFile(path));
    }
    hash.update('\0');
  };
  for (const input of INPUTS) await add(input);
  return hash.digest('hex').slice(0, 16);
}

/** The ids of the Node bases, built (or found up to date) by their fixture script. */
async function nodeBases(): Promise<string[]> {
  const result = await exec('bash', [join(ROOT, 'test', 'fixtures', 'node', 'build.sh')]);
  if (result.code !== 0) throw new Error(`building ${NODE_BASE} failed:\n${result.stderr}`);
  return [await docker('image', 'inspect', '--format', '{{.Id}}', NODE_BASE), await docker('image', 'inspect', '--format', '{{.Id}}', NODE_BUILD_BASE)];
}

let imagePromise: Promise<string> | undefined;

/** The tjs2i image of this checkout: reused when its inputs are unchanged, else built (minutes the first time). */
export function tjs2iImage(): Promise<string> {
  imagePromise ??= (async () => {
    const hash = await inputsHash(await nodeBases());
    const tag = `${TJS2I_IMAGE_REPOSITORY}:${hash}`;
    const existing = await exec('docker', ['image', 'inspect', '--format', `{{index .Config.Labels "${HASH_LABEL}"}}`, tag]);
    if (existing.code === 0 && existing.stdout.trim() === hash) return tag;
    const built = await exec('docker', [
      'build',
      '--quiet',
      '--force-rm',
      '--build-arg',
      `BASE=${NODE_BASE}`,
      '--build-arg',
      `BUILD_BASE=${NODE_BUILD_BASE}`,
      '--label',
      'io.tjs2i.fixture=tjs2i-image',
      '--label',
      `${HASH_LABEL}=${hash}`,
      '-t',
      tag,
      ROOT,
    ]);
    if (built.code !== 0) throw new Error(`docker build of the tjs2i image failed:\n${built.stderr}`);
    await removeStaleVersions(tag);
    return tag;
  })();
  return imagePromise;
}

/**
 * Other versions built more than a day ago (a younger one may belong to another checkout's run), and
 * the untagged images the build stage leaves (the classic builder keeps them; the latest ones are
 * the cache that makes the next build quick): recognised by their base's label and /src.
 */
async function removeStaleVersions(current: string): Promise<void> {
  const stale = async (image: string) => Date.now() - Date.parse(await docker('image', 'inspect', '--format', '{{.Created}}', image)) > STALE_MS;
  const tags = (await docker('images', TJS2I_IMAGE_REPOSITORY, '--format', '{{.Repository}}:{{.Tag}}')).split('\n');
  for (const tag of tags.filter((t) => t && t !== current)) if (await stale(tag)) await exec('docker', ['rmi', tag]);
  const stages = (await docker('images', '-q', '--filter', 'dangling=true', '--filter', 'label=io.tjs2i.fixture=node')).split('\n');
  for (const id of new Set(stages.filter(Boolean))) {
    const workdir = await exec('docker', ['image', 'inspect', '--format', '{{.Config.WorkingDir}}', id]);
    if (workdir.stdout.trim() === '/src' && (await stale(id))) await exec('docker', ['rmi', id]);
  }
}
