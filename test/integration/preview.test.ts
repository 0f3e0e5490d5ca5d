import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tjs2iTracked } from '../support/integration/engine-recorder.js';
import { DEBIAN, docker, exec, freePort, imageExists, randomUid, tempDir, TEST_LABEL, tjs2i, uniqueName } from '../support/integration/helpers.js';
import { removeServedContainers, runs, serve, type Serving } from '../support/integration/serving.js';
import { familyBuilder, forEachFamily, type Family } from '../support/integration/families.js';
import { emptyNotebook, JupyterClient } from '../support/integration/jupyter.js';
import { ON_PODMAN, onPodman } from '../support/integration/engines.js';

/** tjs2iTracked, with the run's containers removed in after() should a test fail. */
async function tracked(args: string[]) {
  const result = await tjs2iTracked(args);
  runs.push({ created: result.created, stop: async () => undefined });
  return result;
}

/** `open <origin><path>?token=…`: the origin, the port, the path (the interface's page of work/), the token. */
const URL_LINE = /^open (http:\/\/127\.0\.0\.1:(\d+))(\/\S*)\?token=([0-9a-f]+)$/;

/** Every http(s) URL in a run's output, which must all answer on the host. */
const urlsIn = (text: string) => text.match(/\bhttps?:\/\/[^\s'"<>]+/g) ?? [];

async function expectCleanEnd(run: Serving): Promise<void> {
  const code = await run.interrupt();
  expect(code, run.stderr()).to.equal(0);
  expect(run.created, 'the containers it made').to.have.length.above(0);
  // On Podman, a build's check of the builder's home asks stat in tjs2i-owners-… (owner-probe.ts).
  const ours = (n: string) => n.startsWith('tjs2i-run-') || n.startsWith('tjs2i-build-') || (ON_PODMAN && n.startsWith('tjs2i-owners-'));
  expect(
    run.created.filter((n) => !ours(n)),
    'containers of other kinds',
  ).to.deep.equal([]);
  expect(await run.leftoverContainers()).to.deep.equal([]);
}

describe('tjs2i run, preview and build --run (real engine, real Jupyter)', function () {
  this.timeout(600_000);
  forEachFamily(servingOn);
});

function servingOn(family: Family): void {
  let builder: string;
  let course: { path: string; remove: () => Promise<void> };
  let dead: { path: string; remove: () => Promise<void> };
  const image = `${uniqueName('served')}:latest`;
  const deadImage = `${uniqueName('dies')}:latest`;
  const builtWithRun = `${uniqueName('built-run')}:latest`;
  const keptImages: string[] = [];
  const volumes: string[] = [];

  before(async () => {
    builder = await familyBuilder(family);
    course = await tempDir('served');
    await writeFile(join(course.path, 'intro.ipynb'), JSON.stringify(emptyNotebook.content));
    await writeFile(join(course.path, 'notes.md'), '# notes\n');
    const built = await tjs2i(['build', course.path, builder, image]);
    expect(built.code, built.stderr).to.equal(0);
    // A course whose run script fails at once.
    dead = await tempDir('dies');
    await mkdir(join(dead.path, '.s2i', 'bin'), { recursive: true });
    await writeFile(join(dead.path, '.s2i', 'bin', 'run'), '#!/bin/sh\necho "boom: the server cannot start"\nexit 3\n');
    await chmod(join(dead.path, '.s2i', 'bin', 'run'), 0o755);
    await writeFile(join(dead.path, 'intro.ipynb'), '{}');
    const builtDead = await tjs2i(['build', dead.path, builder, deadImage]);
    expect(builtDead.code, builtDead.stderr).to.equal(0);
  });

  after(async () => {
    await removeServedContainers();
    await exec('docker', ['rmi', '-f', image, deadImage, builtWithRun, ...keptImages]);
    for (const volume of volumes) await exec('docker', ['volume', 'rm', '-f', volume]);
    await course?.remove();
    await dead?.remove();
  });

  it('run --user <random uid>:0: one URL line, Jupyter serves the course with that token, the log on stderr, Ctrl-C removes the container', async () => {
    const run = await serve(['run', image, '--user', `${randomUid()}:0`]);
    const line = await run.firstLine();
    const match = URL_LINE.exec(line);
    expect(match, line).to.not.equal(null);
    const [, base, port, path, token] = match as RegExpExecArray;
    expect(path).to.equal(family.name === '2016' ? '/' : family.landing);
    const page = await fetch(line.slice('open '.length), { signal: AbortSignal.timeout(10_000) });
    expect(page.status).to.equal(200);
    const client = new JupyterClient(base as string, token);
    expect(await client.listWork()).to.deep.equal(['intro.ipynb', 'notes.md']);
    // Without the token Jupyter refuses: the token is what lets the user in.
    const anonymous = await fetch(`${base}/api/contents/work`, { signal: AbortSignal.timeout(10_000) });
    expect(anonymous.status).to.equal(403);
    expect(run.stderr()).to.match(family.runningLine);
    // Every URL the user sees, Jupyter's own lines included, is one that answers on the host.
    const urls = urlsIn(run.stderr());
    expect(urls, run.stderr()).to.have.length.above(0);
    for (const url of urls) expect(url, run.stderr()).to.match(new RegExp(`^http://127\\.0\\.0\\.1:${port}/`));
    expect(run.stderr()).not.to.match(/:8888\b|file:/);
    await expectCleanEnd(run);
    expect(run.stdout().trim().split('\n')).to.deep.equal([line]);
  });

  it(onPodman('run -e PASSWORD: "password required", the password works, and it is printed nowhere'), async () => {
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const run = await serve(['run', image, '-e', 'PASSWORD', '--user', `${randomUid()}:0`], { PASSWORD: password });
    const line = await run.firstLine();
    const match = /^open (http:\/\/127\.0\.0\.1:(\d+))\/\S* \(password required\)$/.exec(line);
    expect(match, line).to.not.equal(null);
    const [, base, port] = match as RegExpExecArray;
    expect(await new JupyterClient(base as string).login('not-the-password')).to.equal(false);
    const client = new JupyterClient(base as string);
    expect(await client.login(password)).to.equal(true);
    expect(await client.listWork()).to.deep.equal(['intro.ipynb', 'notes.md']);
    await expectCleanEnd(run);
    expect(run.stdout() + run.stderr()).to.not.contain(password);
    expect(run.stderr()).to.not.contain('warning:');
    expect(urlsIn(run.stderr()), run.stderr()).to.have.length.above(0);
    for (const url of urlsIn(run.stderr())) expect(url, run.stderr()).to.match(new RegExp(`^http://127\\.0\\.0\\.1:${port}/`));
  });

  it('run -e JUPYTER_BASE_URL=/course/: the URL printed and every URL in the log are under the prefix, on the host port', async () => {
    const run = await serve(['run', image, '-e', 'JUPYTER_BASE_URL=/course/', '--user', `${randomUid()}:0`]);
    const line = await run.firstLine();
    const [, base, port, path, token] = URL_LINE.exec(line) ?? [];
    expect(path, line).to.match(/^\/course\//);
    expect((await fetch(line.slice('open '.length), { signal: AbortSignal.timeout(10_000) })).status).to.equal(200);
    expect(await new JupyterClient(`${base}/course`, token).listWork()).to.deep.equal(['intro.ipynb', 'notes.md']);
    const urls = urlsIn(run.stderr());
    expect(urls, run.stderr()).to.have.length.above(0);
    for (const url of urls) expect(url, run.stderr()).to.match(new RegExp(`^http://127\\.0\\.0\\.1:${port}/course/`));
    await expectCleanEnd(run);
  });

  it('run -e PASSWORD=... on the command line: one warning that ps shows it, the value never repeated', async () => {
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const run = await serve(['run', image, '-e', `PASSWORD=${password}`]);
    expect(await run.firstLine()).to.match(/\(password required\)$/);
    await expectCleanEnd(run);
    const warnings = run
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('warning:'));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.contain('ps');
    expect(run.stdout() + run.stderr()).to.not.contain(password);
  });

  it('run -p PORT publishes on that port', async () => {
    const port = await freePort();
    const run = await serve(['run', image, '-p', String(port)]);
    const line = await run.firstLine();
    expect(URL_LINE.exec(line)?.[2], line).to.equal(String(port));
    const api = await fetch(`http://127.0.0.1:${port}/api`, { signal: AbortSignal.timeout(10_000) });
    expect(api.status).to.equal(200);
    await expectCleanEnd(run);
  });

  it('a server that dies at once: exit 1, its exit code and last lines, no URL, no container left', async () => {
    const result = await tracked(['run', deadImage]);
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stdout).to.equal('');
    expect(result.stderr).to.contain('boom: the server cannot start');
    expect(result.stderr.trim().split('\n').pop()).to.match(/^error: the container of .* exited with code 3 before Jupyter answered/);
    expect(result.created).to.have.length(1);
    expect(await result.leftoverContainers()).to.deep.equal([]);

    const quiet = await tracked(['run', deadImage, '--quiet']);
    expect(quiet.code).to.equal(1);
    // Today's start.sh says what it runs before the command does.
    expect(quiet.stderr).to.match(/^last lines of output:\n( {2}.*\n)* {2}boom: the server cannot start\nerror: the container/);
    expect(await quiet.leftoverContainers()).to.deep.equal([]);
  });

  it(onPodman('preview <dir> <builder>: serves the course; Ctrl-C removes the container and the throwaway image'), async () => {
    const run = await serve(['preview', course.path, builder]);
    const line = await run.firstLine();
    const [, base, , , token] = URL_LINE.exec(line) ?? [];
    expect(token, line).to.be.a('string');
    const throwaway = /built (tjs2i-preview-[0-9a-f]+:latest)/.exec(run.stderr())?.[1];
    expect(throwaway, run.stderr()).to.be.a('string');
    keptImages.push(throwaway as string);
    expect(await imageExists(throwaway as string)).to.equal(true);
    expect(await new JupyterClient(base as string, token).listWork()).to.deep.equal(['intro.ipynb', 'notes.md']);
    await expectCleanEnd(run);
    expect(await imageExists(throwaway as string)).to.equal(false);
  });

  it('preview --keep keeps the image and says its name', async () => {
    const run = await serve(['preview', course.path, builder, '--keep']);
    expect(await run.firstLine()).to.match(URL_LINE);
    await expectCleanEnd(run);
    const kept = /kept the image (tjs2i-preview-[0-9a-f]+:latest)/.exec(run.stderr())?.[1];
    expect(kept, run.stderr()).to.be.a('string');
    keptImages.push(kept as string);
    expect(await imageExists(kept as string)).to.equal(true);
  });

  it('build --run: builds, then serves the image; Ctrl-C removes the container and keeps the image', async () => {
    const run = await serve(['build', course.path, builder, builtWithRun, '--run']);
    const line = await run.firstLine();
    const [, base, , , token] = URL_LINE.exec(line) ?? [];
    expect(token, line).to.be.a('string');
    expect(run.stderr()).to.contain(`built ${builtWithRun}`);
    expect(await new JupyterClient(base as string, token).listWork()).to.deep.equal(['intro.ipynb', 'notes.md']);
    await expectCleanEnd(run);
    expect(await imageExists(builtWithRun)).to.equal(true);
  });

  it('--volume NAME:/home/jovyan/work/extra: the volume is mounted, and what the user saves lands in it', async () => {
    const volume = uniqueName('volume');
    volumes.push(volume);
    await docker('volume', 'create', '--label', TEST_LABEL, volume);
    // A shared folder as a platform would provision it: writable for any UID, with a handout.
    await docker(
      'run',
      '--rm',
      '--label',
      TEST_LABEL,
      '--name',
      uniqueName('seed'),
      '-v',
      `${volume}:/v`,
      DEBIAN,
      'sh',
      '-c',
      'echo handout > /v/handout.txt && chmod 777 /v',
    );
    const run = await serve(['run', image, '--user', `${randomUid()}:0`, '--volume', `${volume}:/home/jovyan/work/extra`]);
    const [, base, , , token] = URL_LINE.exec(await run.firstLine()) ?? [];
    const client = new JupyterClient(base as string, token);
    const listing = await client.request('GET', '/api/contents/work/extra');
    expect(listing.status).to.equal(200);
    expect(((await listing.json()) as { content: { name: string }[] }).content.map((c) => c.name)).to.deep.equal(['handout.txt']);
    const saved = await client.request('PUT', '/api/contents/work/extra/saved.ipynb', emptyNotebook);
    expect(saved.status).to.equal(201);
    await expectCleanEnd(run);
    const contents = await docker('run', '--rm', '--label', TEST_LABEL, '--name', uniqueName('check'), '-v', `${volume}:/v`, DEBIAN, 'ls', '/v');
    expect(contents.split('\n').sort()).to.deep.equal(['handout.txt', 'saved.ipynb']);
  });

  it('bad run options are usage errors (exit 2) before anything is created', async () => {
    const badVolume = await tracked(['run', image, '--volume', 'data:relative']);
    expect(badVolume.code).to.equal(2);
    expect(badVolume.stderr).to.match(/^error: --volume data:relative: the target must be an absolute path/m);
    expect(badVolume.created).to.deep.equal([]);
    const unset = await tracked(['run', image, '-e', 'TJS2I_TEST_UNSET_VARIABLE']);
    expect(unset.code).to.equal(2);
    expect(unset.created).to.deep.equal([]);
    const dockerfile = await tjs2i(['build', course.path, builder, '--as-dockerfile', '/tmp/never', '--run']);
    expect(dockerfile.code).to.equal(2);
    expect(dockerfile.stderr).to.contain('--run serves a built image');
  });
}
