import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { chmod, mkdir, open, readFile, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BIN,
  cliEnv,
  docker,
  exec,
  imageId,
  leftoverContainers,
  leftoverTempDirs,
  newLeftovers,
  ROOT,
  tempDir,
  testBuilder,
  tjs2i,
  uniqueName,
  type Result,
} from '../support/integration/helpers.js';
import { tjs2iTracked, type TrackedRun } from '../support/integration/engine-recorder.js';
import { commandLines, runWatched } from '../support/integration/process-watch.js';
import { git, startGitServer, type GitServer } from '../support/integration/git-server.js';
import { startHttpGitServer, type HttpGitServer } from '../support/integration/http-git-server.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const MAX_RSS_PRELOAD = join(ROOT, 'dist', 'test', 'support', 'max-rss.js');

/** Removes images by name or id, ignoring those already gone. */
async function removeImages(images: Iterable<string | undefined>): Promise<void> {
  const list = [...new Set(images)].filter((i): i is string => Boolean(i));
  if (list.length) await exec('docker', ['rmi', '-f', ...list]);
}

/** The lines of stderr that are errors. */
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error:'));

/** A source whose `.s2i/bin/assemble` is this script. */
async function sourceWithAssemble(script: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await tempDir('hard-s2i');
  await mkdir(join(dir.path, '.s2i', 'bin'), { recursive: true });
  await writeFile(join(dir.path, '.s2i', 'bin', 'assemble'), script);
  await chmod(join(dir.path, '.s2i', 'bin', 'assemble'), 0o755);
  await writeFile(join(dir.path, 'intro.ipynb'), '{}');
  return dir;
}

/** A small course file of about 1 KB, different for each one. */
const smallFile = (d: number, f: number) => `# note ${d}.${f}\n${'x'.repeat(1000)}\n`;

/**
 * Runs the CLI with the max-rss preload and returns its peak resident set size (VmHWM: the kernel's
 * own peak of the CLI's memory, which a sampler could miss), in bytes.
 */
async function runMeasured(args: string[]): Promise<{ result: Result; peak: number }> {
  const dir = await tempDir('maxrss');
  try {
    const file = join(dir.path, 'peak');
    const result = await exec(process.execPath, ['--import', MAX_RSS_PRELOAD, BIN, ...args], { env: cliEnv({ TJS2I_MAX_RSS_FILE: file }) });
    const peak = Number((await readFile(file, 'utf8').catch(() => '0')).trim());
    return { result, peak };
  } finally {
    await dir.remove();
  }
}

describe('hardening (real engine)', function () {
  this.timeout(600_000);
  let builder: string;

  before(async () => {
    builder = await testBuilder();
  });

  describe('a 2 GiB file and 10,000 small files (the memory bound)', () => {
    let source: { path: string; remove: () => Promise<void> } | undefined;
    const outputs: string[] = [];

    before(async () => {
      // The engine holds the upload, the copy assemble makes and the committed layer: ~6 GiB, twice.
      const root = await docker('info', '--format', '{{.DockerRootDir}}');
      const free = await statfs(root)
        .then((s) => s.bavail * s.bsize)
        .catch(() => undefined);
      if (free !== undefined && free < 10 * GiB) throw new Error(`only ${(free / GiB).toFixed(1)} GiB free in ${root}; the 2 GiB test needs 10`);
      source = await tempDir('big');
      // Sparse on the build machine, but the tar carries every one of its 2 GiB of zeros.
      const big = await open(join(source.path, 'big.bin'), 'w');
      await big.truncate(2 * GiB);
      await big.close();
      await writeFile(join(source.path, 'intro.ipynb'), '{"cells": []}');
      for (let d = 0; d < 100; d++) {
        const dir = join(source.path, 'notes', `d${String(d).padStart(3, '0')}`);
        await mkdir(dir, { recursive: true });
        await Promise.all(Array.from({ length: 100 }, (_, f) => writeFile(join(dir, `n${String(f).padStart(3, '0')}.md`), smallFile(d, f))));
      }
      // A repository: its top is a work tree, so tjs2i clones it (as it does a URL) unless --copy.
      await git(source.path, 'init', '-q');
      await git(source.path, 'add', '-A');
      await git(source.path, 'commit', '-qm', 'a big course');
    });

    after(async () => {
      await removeImages(outputs);
      await source?.remove();
    });

    /** What every build of the source must hold: the big file whole, and every small file. */
    async function expectContents(image: string): Promise<void> {
      const listing = await docker(
        'run',
        '--rm',
        '--label',
        'io.tjs2i.test=1',
        '--entrypoint',
        'sh',
        image,
        '-c',
        'cd /home/jovyan/work && stat -c "%n %s" big.bin intro.ipynb notes/d042/n007.md && find notes -type f | wc -l && cat notes/d099/n099.md',
      );
      const lines = listing.split('\n');
      expect(lines.slice(0, 4)).to.deep.equal([`big.bin ${2 * GiB}`, 'intro.ipynb 13', `notes/d042/n007.md ${smallFile(42, 7).length}`, '10000']);
      expect(`${lines.slice(4).join('\n')}\n`).to.equal(smallFile(99, 99));
    }

    for (const [what, extra] of [
      ['as a git repository (cloned)', []],
      ['as a plain directory (--copy)', ['--copy']],
    ] as const) {
      it(`builds ${what} with the CLI's peak memory under 120 MiB: the pack is streamed`, async () => {
        const output = uniqueName('big');
        outputs.push(output);
        const { result, peak } = await runMeasured(['build', source!.path, builder, output, ...extra]);
        console.log(`      peak RSS of the CLI building ${what}: ${(peak / MiB).toFixed(1)} MiB`);
        expect(result.code, result.stderr).to.equal(0);
        expect(peak, 'no peak was recorded').to.be.above(20 * MiB);
        expect(peak).to.be.below(120 * MiB);
        await expectContents(output);
      });
    }
  });

  describe('repositories with no commits', () => {
    let server: GitServer;
    const output = uniqueName('empty');

    before(async () => {
      server = await startGitServer();
      await server.createEmptyRepo('empty.git');
    });

    after(async () => {
      await server?.stop();
      await removeImages([output]);
    });

    async function expectNoCommits(result: TrackedRun, location: string): Promise<void> {
      expect(result.code, result.stderr).to.equal(2);
      expect(errorLines(result.stderr), result.stderr).to.deep.equal([
        `error: repository ${location} has no commits; commit the course files first, or give another ref`,
      ]);
      expect(result.stderr.trim().split('\n').pop()).to.match(/^error:/);
      expect(await result.leftoverContainers()).to.deep.equal([]);
      expect(await result.leftoverTempFiles()).to.deep.equal([]);
      expect(await imageId(output)).to.equal(undefined);
    }

    it('a bare repository with no commits on a git server: exit 2, "has no commits"', async () => {
      const url = server.url('empty.git');
      await expectNoCommits(await tjs2iTracked(['build', url, builder, output]), url);
    });

    it('a local directory that is `git init`ed with no commits: exit 2, "has no commits"', async () => {
      const dir = await tempDir('uncommitted');
      try {
        await writeFile(join(dir.path, 'intro.ipynb'), '{}');
        await git(dir.path, 'init', '-q');
        await expectNoCommits(await tjs2iTracked(['build', dir.path, builder, output]), dir.path);
      } finally {
        await dir.remove();
      }
    });
  });

  describe('credentials in an http URL', () => {
    const user = 'teacher';
    const token = 'tok-S3cr3t-xyz';
    const wrongToken = 'tok-Wr0ng-abc';
    /** Every form a credential could leak in: the token, the user:token pair, their Basic encoding. */
    const secrets = [token, wrongToken, `${user}:${token}`, `${user}:${wrongToken}`].flatMap((s) => [s, Buffer.from(s).toString('base64')]);
    let server: HttpGitServer;
    const outputs: string[] = [];

    const expectNoSecret = (text: string, where: string) => {
      for (const secret of secrets) expect(text, `${where} holds ${secret}`).to.not.contain(secret);
    };

    before(async () => {
      server = await startHttpGitServer({ user, token });
      await server.createRepo('course.git', { 'intro.ipynb': '{"private": true}' });
    });

    after(async () => {
      await server?.stop();
      await removeImages(outputs);
    });

    beforeEach(() => {
      server.requests.length = 0;
    });

    it('clones with user:token from the URL; the token reaches no output, label or history', async () => {
      const output = uniqueName('private');
      outputs.push(output);
      const result = await tjs2iTracked(['build', server.url('course.git', { user, token }), builder, output, '--json']);
      expect(result.code, result.stderr).to.equal(0);
      expect(
        server.requests.some((r) => r.authorized && r.user === user),
        JSON.stringify(server.requests),
      ).to.equal(true);
      expectNoSecret(result.stdout, 'stdout');
      expectNoSecret(result.stderr, 'stderr');

      const lines = result.stdout.trim().split('\n');
      expect(lines).to.have.length(1);
      const json = JSON.parse(lines[0] ?? '') as { ok: boolean; image: string; imageId: string; labels: Record<string, string> };
      expect(json.ok).to.equal(true);
      expect(json.imageId).to.equal(await imageId(output));
      expect(json.labels['io.openshift.s2i.build.source-location']).to.equal(`http://127.0.0.1:${server.port}/course.git`);

      const inspect = await docker('image', 'inspect', output);
      expectNoSecret(inspect, 'docker image inspect');
      const labels = (JSON.parse(inspect) as { Config: { Labels: Record<string, string> } }[])[0]?.Config.Labels ?? {};
      expect(labels['io.openshift.s2i.build.source-location']).to.equal(`http://127.0.0.1:${server.port}/course.git`);
      expect(labels['io.openshift.s2i.build.commit.message']).to.equal('Private course content');
      expectNoSecret(await docker('history', '--no-trunc', output), 'docker history');

      const content = await docker('run', '--rm', '--label', 'io.tjs2i.test=1', '--entrypoint', 'cat', output, '/home/jovyan/work/intro.ipynb');
      expect(content).to.equal('{"private": true}');
      expect(await result.leftoverContainers()).to.deep.equal([]);
      expect(await result.leftoverTempFiles()).to.deep.equal([]);
    });

    it('a wrong token: exit 2, one error line, neither token printed', async () => {
      const output = uniqueName('refused');
      outputs.push(output);
      const url = server.url('course.git', { user, token: wrongToken });
      for (const extra of [[], ['--loglevel', '5', '--json']]) {
        server.requests.length = 0;
        const result = await tjs2iTracked(['build', url, builder, output, ...extra]);
        expect(result.code, result.stderr).to.equal(2);
        expect(server.requests.length).to.be.above(0);
        expect(server.requests.every((r) => !r.authorized)).to.equal(true);
        const message = `cannot read repository http://127.0.0.1:${server.port}/course.git: the server refused the credentials given in the URL`;
        expect(errorLines(result.stderr), result.stderr).to.deep.equal([`error: ${message}`]);
        expectNoSecret(result.stdout, 'stdout');
        expectNoSecret(result.stderr, 'stderr');
        if (extra.includes('--json')) {
          expect(JSON.parse(result.stdout)).to.deep.include({ ok: false, exitCode: 2, error: message });
        }
        expect(await imageId(output)).to.equal(undefined);
        expect(result.created).to.deep.equal([]);
        expect(await result.leftoverTempFiles()).to.deep.equal([]);
      }
    });

    it('a password with a raw "/", "#" or "?": exit 2, one line naming only the host, no request, nothing printed of it', async () => {
      for (const raw of ['s3cr/et', 's3cr#et', 's3cr?et']) {
        server.requests.length = 0;
        const output = uniqueName('raw-password');
        const url = `http://${user}:${raw}@127.0.0.1:${server.port}/course.git`;
        const result = await tjs2iTracked(['build', url, builder, output, '--json']);
        expect(result.code, result.stderr).to.equal(2);
        expect(errorLines(result.stderr), result.stderr).to.have.length(1);
        expect(errorLines(result.stderr)[0]).to.contain('127.0.0.1').and.contain('not percent-encoded');
        expect(result.stdout + result.stderr)
          .not.to.contain(raw)
          .and.not.contain(user);
        expect(JSON.parse(result.stdout)).to.deep.include({ ok: false, exitCode: 2 });
        expect(server.requests).to.deep.equal([]);
        expect(result.created).to.deep.equal([]);
        expect(await imageId(output)).to.equal(undefined);
        expect(await result.leftoverTempFiles()).to.deep.equal([]);
      }
    });

    it('with --loglevel 5 (debug output) the token is still absent', async () => {
      const output = uniqueName('private-debug');
      outputs.push(output);
      const result = await tjs2i(['build', server.url('course.git', { user, token }), builder, output, '--loglevel', '5']);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.match(/^debug: cloning http:\/\/127\.0\.0\.1:\d+\/course\.git/m);
      expectNoSecret(result.stdout, 'stdout');
      expectNoSecret(result.stderr, 'stderr');
    });

    it('while the clone runs, the token is on no process command line', async () => {
      const slow = await startHttpGitServer({ user, token, delayMs: 700 });
      const output = uniqueName('private-slow');
      outputs.push(output);
      try {
        await slow.createRepo('course.git', { 'intro.ipynb': '{}' });
        const seen = new Set<string>();
        // The CLI's own command line holds the URL the user typed; what matters is what it starts. A
        // child caught between fork and exec still shows its parent's command line: skip those copies.
        const args = ['build', slow.url('course.git', { user, token }), builder, output];
        const own = [process.execPath, BIN, ...args].join(' ');
        const result = await runWatched(args, 50, async (cli) => {
          for (const [pid, line] of await commandLines()) {
            if (pid !== cli && line !== own && line.includes(`127.0.0.1:${slow.port}`)) seen.add(line);
          }
        });
        expect(result.code, result.stderr).to.equal(0);
        // The scan did see git at work on this server (ls-remote, clone, the http helper) ...
        expect(
          [...seen].some((l) => /\bgit\b.*(ls-remote|clone)/.test(l)),
          [...seen].join('\n'),
        ).to.equal(true);
        // ... and none of those command lines held a credential.
        for (const line of seen) expectNoSecret(line, `command line "${line}"`);
        expect([...seen].every((l) => !l.includes('@127.0.0.1'))).to.equal(true);
      } finally {
        await slow.stop();
      }
    });
  });

  describe('a reader that goes away (tjs2i build … | head)', () => {
    it('stderr closed mid-build: the CLI stops as for Ctrl-C, removes its container and temp dirs, moves no tag', async () => {
      const course = await tempDir('reader-gone');
      const output = uniqueName('reader-gone');
      try {
        await writeFile(join(course.path, 'intro.ipynb'), '{}');
        const containersBefore = await leftoverContainers();
        const tempBefore = await leftoverTempDirs();
        const child = spawn(process.execPath, [BIN, 'build', course.path, builder, output], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv() });
        let seen = '';
        child.stdout.resume();
        child.stderr.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          // Once the build container exists (the source goes into it), the reader leaves.
          if (/^==> (write|upload):/m.test(seen)) child.stderr.destroy();
        });
        const code = await new Promise<number | null>((resolve) => child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : null))));
        expect(seen, 'the build reached its container').to.match(/^==> (write|upload):/m);
        expect(code).to.equal(130);
        expect(await newLeftovers(containersBefore)).to.deep.equal([]);
        expect((await leftoverTempDirs()).filter((d) => !tempBefore.includes(d))).to.deep.equal([]);
        expect(await imageId(output)).to.equal(undefined);
      } finally {
        await removeImages([output]);
        await course.remove();
      }
    });
  });

  describe('the output tag and quiet output', () => {
    const output = uniqueName('tagged');
    const made: string[] = [];
    let course: { path: string; remove: () => Promise<void> };

    before(async () => {
      course = await tempDir('hard-course');
      await writeFile(join(course.path, 'intro.ipynb'), '{}');
    });

    after(async () => {
      await removeImages([output, ...made]);
      await course?.remove();
    });

    /** Builds the course to the output tag; returns the image id it names. */
    async function buildOnce(...extra: string[]): Promise<{ result: Result; id: string }> {
      const result = await tjs2i(['build', course.path, builder, output, ...extra]);
      expect(result.code, result.stderr).to.equal(0);
      const id = await imageId(output);
      if (!id) throw new Error(`${output} was not tagged`);
      made.push(id);
      return { result, id };
    }

    it('--quiet on success prints nothing on stderr or stdout', async () => {
      const { result } = await buildOnce('--quiet');
      expect(result.stderr).to.equal('');
      expect(result.stdout).to.equal('');
    });

    it('--json --quiet on success prints exactly one JSON line on stdout, nothing on stderr; the tag moves', async () => {
      const { id: previous } = await buildOnce('--quiet');
      const { result, id } = await buildOnce('--json', '--quiet');
      expect(result.stderr).to.equal('');
      expect(result.stdout).to.match(/^\{[^\n]*\}\n$/);
      const json = JSON.parse(result.stdout) as { ok: boolean; image: string; imageId: string };
      expect(json).to.include({ ok: true, imageId: id });
      expect(json.image).to.match(new RegExp(`^${output}(:latest)?$`));
      expect(id).to.not.equal(previous);
    });

    it('a failing rebuild (assemble exits 3) leaves the tag on the previous image; --json prints the error object', async () => {
      const { id: previous } = await buildOnce('--quiet');
      const failing = await sourceWithAssemble('#!/bin/sh\necho "lesson 3 does not build" >&2\nexit 3\n');
      try {
        const result = await tjs2iTracked(['build', failing.path, builder, output, '--json']);
        expect(result.code, result.stderr).to.equal(1);
        const errors = errorLines(result.stderr);
        expect(errors, result.stderr).to.have.length(1);
        expect(errors[0]).to.match(/^error: assemble failed with exit code 3\b/);
        expect(result.stderr).to.contain('lesson 3 does not build');
        expect(result.stdout).to.match(/^\{[^\n]*\}\n$/);
        const json = JSON.parse(result.stdout) as { ok: boolean; exitCode: number; error: string };
        expect(json).to.include({ ok: false, exitCode: 1 });
        expect(json.error).to.match(/^assemble failed with exit code 3\b/);
        expect(await imageId(output)).to.equal(previous);
        expect(result.created).to.have.length(1);
        expect(await result.leftoverContainers()).to.deep.equal([]);
        expect(await result.leftoverTempFiles()).to.deep.equal([]);
      } finally {
        await failing.remove();
      }
    });
  });
});
