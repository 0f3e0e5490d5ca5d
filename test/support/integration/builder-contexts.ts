/**
 * The builder contexts of stacks/<stack>/ (what `oc new-build --context-dir=stacks/<stack>` builds on a
 * cluster), built here as a platform's builder would build them, and what a user of the resulting
 * builder relies on, to compare with the builder `tjs2i builder` makes.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { notebook, writeTree } from './course-fixtures.js';
import { docker, exec, randomUid, ROOT, TEST_LABEL, tempDir, tjs2i, uniqueName } from './helpers.js';
import { JupyterClient, runJupyter, waitForJupyter } from './jupyter.js';

/** The repository's context of a stack. */
export const committedContext = (stack: string) => join(ROOT, 'stacks', stack);

/**
 * The stack's context written by the CLI with `--from base` into `dir`: checked to be the committed one
 * but for the FROM line and the NB_HOME default the engine read from `base` (and the same scripts).
 */
export async function contextFrom(stack: string, base: string, dir: string): Promise<void> {
  const result = await tjs2i(['builder', stack, '--as-dockerfile', dir, '--from', base]);
  expect(result.code, result.stderr).to.equal(0);
  const committed = (await readFile(join(committedContext(stack), 'Dockerfile'), 'utf8')).split('\n');
  const written = (await readFile(join(dir, 'Dockerfile'), 'utf8')).split('\n');
  expect(written).to.have.length(committed.length);
  const differing = written.flatMap((line, i) => (line === committed[i] ? [] : [[committed[i], line]]));
  expect(differing).to.deep.equal([
    [`FROM quay.io/jupyter/${stack}`, `FROM ${base}`],
    ['ARG NB_HOME=', 'ARG NB_HOME=/home/jovyan'],
  ]);
  for (const script of ['assemble', 'run', 'usage']) {
    expect(await readFile(join(dir, 's2i', script)), script).to.deep.equal(await readFile(join(committedContext(stack), 's2i', script)));
  }
}

/** `docker build` of a context (the engine's build API); the build output, which says what the shim did. */
export async function engineBuild(dir: string, tag: string): Promise<string> {
  const result = await exec('docker', ['build', '--label', TEST_LABEL, '-t', tag, dir]);
  expect(result.code, result.stderr).to.equal(0);
  return result.stdout;
}

/**
 * buildah, daemonless (vfs storage in a temporary directory, chroot isolation, Docker format so the
 * health check is kept), FROM `base` taken from the engine; the result is handed back to the engine.
 */
export async function buildahBuild(dir: string, base: string, tag: string): Promise<string> {
  const storage = await tempDir('buildah');
  const buildah = (...args: string[]) =>
    exec('buildah', ['--root', join(storage.path, 'root'), '--runroot', join(storage.path, 'run'), '--storage-driver', 'vfs', ...args]);
  try {
    const built = await buildah('bud', '--isolation', 'chroot', '--format', 'docker', '--from', `docker-daemon:${base}`, '--label', TEST_LABEL, '-t', tag, dir);
    expect(built.code, built.stderr).to.equal(0);
    // The docker-daemon transport wants an explicit tag.
    const pushed = await buildah('push', tag, `docker-daemon:${/:[^/]*$/.test(tag) ? tag : `${tag}:latest`}`);
    expect(pushed.code, pushed.stderr).to.equal(0);
    return built.stdout;
  } finally {
    await buildah('rm', '--all');
    await buildah('rmi', '--all', '--force');
    await storage.remove();
  }
}

export interface BuilderFacts {
  user: string;
  home: string | undefined;
  cmd: string[] | null;
  entrypoint: string[] | null;
  healthcheck: unknown;
  /** The io.openshift.* and io.k8s.* labels (tjs2i's own provenance labels need an engine). */
  labels: Record<string, string>;
  /** sha256 of each S2I script. */
  scripts: string;
  /** Per tree: entries not group 0, not group-writable, directories not set-group-ID; then set-id files and /etc/passwd's mode. */
  files: string[];
}

const FILES_SCRIPT = [
  'for t in "$@"; do r=$(readlink -f "$t");',
  'echo "$t: not group 0 $(find "$r" ! -gid 0 | wc -l), not g+w $(find "$r" ! -type l ! -perm -g+w | wc -l), dirs not g+s $(find "$r" -type d ! -perm -g+s | wc -l)";',
  'done;',
  'echo "set-id files $(find / -xdev -type f \\( -perm -4000 -o -perm -2000 \\) | wc -l), /etc/passwd $(stat -c %a /etc/passwd)"',
].join(' ');

/** What a user of a builder relies on; the files are read as root, by the test only. */
export async function builderFacts(image: string, trees: readonly string[]): Promise<BuilderFacts> {
  const [info] = JSON.parse(await docker('image', 'inspect', image)) as {
    Config: { User: string; Env: string[]; Cmd: string[] | null; Entrypoint: string[] | null; Healthcheck?: unknown; Labels: Record<string, string> | null };
  }[];
  const config = info!.Config;
  const run = (...args: string[]) => docker('run', '--rm', '--label', TEST_LABEL, '--user', '0', '--entrypoint', args[0]!, image, ...args.slice(1));
  return {
    user: config.User,
    home: config.Env.find((e) => e.startsWith('HOME='))?.slice(5),
    cmd: config.Cmd,
    entrypoint: config.Entrypoint,
    healthcheck: config.Healthcheck ?? null,
    labels: Object.fromEntries(Object.entries(config.Labels ?? {}).filter(([k]) => k.startsWith('io.openshift.') || k.startsWith('io.k8s.'))),
    scripts: await run('sha256sum', '/usr/libexec/s2i/assemble', '/usr/libexec/s2i/run', '/usr/libexec/s2i/usage'),
    files: (await run('sh', '-c', FILES_SCRIPT, 'facts', ...trees)).split('\n'),
  };
}

/** The facts every tjs2i builder has, whatever made it. */
export function expectSoundBuilder(facts: BuilderFacts, trees: readonly string[]): void {
  expect(facts.user).to.match(/^[1-9][0-9]*$/);
  expect(facts.cmd).to.deep.equal(['/usr/libexec/s2i/run']);
  expect(facts.labels['io.openshift.s2i.scripts-url']).to.equal('image:///usr/libexec/s2i');
  expect(facts.files).to.deep.equal([
    ...trees.map((t) => `${t}: not group 0 0, not g+w 0, dirs not g+s 0`),
    `set-id files 0, /etc/passwd ${facts.files.at(-1)!.split(' ').pop()}`,
  ]);
  expect(Number.parseInt(facts.files.at(-1)!.split(' ').pop()!, 8) & 0o020, '/etc/passwd group-writable').to.equal(0o020);
}

/**
 * A course built with `builder` (tjs2i build), served under a random UID with group 0: the password
 * logs in, work/ holds the course, and that UID can write into each tree.
 */
export async function serveCourse(builder: string, trees: readonly string[]): Promise<void> {
  const course = await tempDir('context-course');
  const output = uniqueName('context-course');
  try {
    await writeTree(course.path, { 'hello.ipynb': notebook('Hello') });
    const built = await tjs2i(['build', course.path, builder, output]);
    expect(built.code, built.stderr).to.equal(0);
    const password = `pw-${randomUid()}`;
    const jupyter = await runJupyter(output, { user: `${randomUid()}:0`, password });
    try {
      await waitForJupyter(jupyter);
      const client = new JupyterClient(jupyter.base);
      expect(await client.login(password)).to.equal(true);
      expect(await client.listWork()).to.include('hello.ipynb');
      const probe =
        'for d in "$@"; do p="$d/.tjs2i-probe-$(id -u)"; if mkdir "$p" 2>/dev/null && rmdir "$p"; then echo "$d ok"; else echo "$d denied"; fi; done';
      const lines = (await docker('exec', jupyter.id, 'sh', '-c', probe, 'probe', ...trees)).split('\n');
      expect(lines).to.deep.equal(trees.map((t) => `${t} ok`));
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- container log ---\n${await jupyter.logs()}`, { cause: error });
    } finally {
      await jupyter.stop();
    }
  } finally {
    await exec('docker', ['rmi', '-f', output]);
    await course.remove();
  }
}
