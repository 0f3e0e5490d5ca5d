import { expect } from 'chai';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEBIAN,
  docker,
  freePort,
  imageId,
  leftoverContainers,
  leftoverTempDirs,
  spawnTjs2i,
  STANDIN,
  tempDir,
  testBuilder,
  tjs2i,
  uniqueName,
  type Result,
} from '../support/integration/helpers.js';
import { git, startGitServer, type GitServer } from '../support/integration/git-server.js';
import { ON_PODMAN, onPodman } from '../support/integration/engines.js';
import { startPodmanService } from '../support/integration/podman-service.js';

/**
 * Every bad input: one clear line on stderr (the last), a non-zero exit code, no container and no
 * temporary directory left, and the output tag still on the image it named before.
 */
describe('bad input and failures (real engine)', function () {
  this.timeout(300_000);
  let builder: string;
  let server: GitServer;
  let course: string;
  let output: string;
  let previous: string | undefined;
  let tempBefore: string[];
  let removeCourse: () => Promise<void>;

  before(async () => {
    builder = await testBuilder();
    server = await startGitServer();
    const repo = await server.createRepo('course.git', { 'intro.ipynb': '{}' });
    await repo.publish();
    const dir = await tempDir('course');
    course = dir.path;
    removeCourse = dir.remove;
    await writeFile(join(course, 'intro.ipynb'), '{}');
    // The output tag already names an image: a failed build must leave it there.
    output = uniqueName('kept');
    await docker('tag', DEBIAN, output);
    previous = await imageId(output);
  });

  after(async () => {
    await server?.stop();
    await removeCourse?.();
  });

  beforeEach(async () => {
    tempBefore = await leftoverTempDirs();
  });

  async function expectCleanFailure(result: Result, code: number, message: RegExp): Promise<void> {
    expect(result.code, result.stderr).to.equal(code);
    const lines = result.stderr.trim().split('\n');
    const errors = lines.filter((l) => l.startsWith('error:'));
    expect(errors, result.stderr).to.have.length(1);
    expect(lines.pop()).to.match(message);
    expect(await leftoverContainers()).to.deep.equal([]);
    expect(await leftoverTempDirs()).to.deep.equal(tempBefore);
    expect(await imageId(output)).to.equal(previous);
  }

  async function sourceWithAssemble(script: string): Promise<{ path: string; remove: () => Promise<void> }> {
    const dir = await tempDir('s2i');
    await mkdir(join(dir.path, '.s2i', 'bin'), { recursive: true });
    await writeFile(join(dir.path, '.s2i', 'bin', 'assemble'), script);
    await chmod(join(dir.path, '.s2i', 'bin', 'assemble'), 0o755);
    await writeFile(join(dir.path, 'intro.ipynb'), '{}');
    return dir;
  }

  it(onPodman('missing builder image: exit 4'), async () => {
    // Not here, so tjs2i tries to pull it (--pull-policy if-not-present), which fails: no registry has it.
    await expectCleanFailure(
      await tjs2i(['build', course, 'tjs2i-test-no-such-builder:1', output]),
      4,
      /^error: cannot pull tjs2i-test-no-such-builder:1: .*make it first/,
    );
  });

  it('unreachable engine: exit 3', async () => {
    const port = await freePort();
    const result = await tjs2i(['build', course, builder, output], { DOCKER_HOST: `tcp://127.0.0.1:${port}` });
    await expectCleanFailure(result, 3, new RegExp(`^error: cannot reach the Docker engine at tcp://127.0.0.1:${port} \\(ECONNREFUSED\\); start the engine`));
  });

  it('nonexistent repository on a git server: exit 2', async () => {
    const url = server.url('no-such-course.git');
    await expectCleanFailure(await tjs2i(['build', url, builder, output]), 2, new RegExp(`^error: cannot read repository ${url}: `));
  });

  it('nonexistent local directory: exit 2', async () => {
    await expectCleanFailure(
      await tjs2i(['build', '/no/such/course', builder, output]),
      2,
      /^error: source \/no\/such\/course is neither a directory nor a git URL/,
    );
  });

  it('unknown ref: exit 2', async () => {
    const result = await tjs2i(['build', server.url('course.git'), builder, output, '--ref', 'no-such-branch']);
    await expectCleanFailure(result, 2, /^error: ref no-such-branch not found in git:\/\/127\.0\.0\.1:\d+\/course\.git; give a branch, a tag or a commit id/);
  });

  it('missing context dir: exit 2', async () => {
    const result = await tjs2i(['build', server.url('course.git'), builder, output, '--context-dir', 'week-9']);
    await expectCleanFailure(result, 2, /^error: context dir week-9 not found in git:\/\/127\.0\.0\.1:\d+\/course\.git/);
  });

  it('a builder whose USER is a name: exit 5', async () => {
    await expectCleanFailure(
      await tjs2i(['build', course, STANDIN, output]),
      5,
      /^error: builder .* has USER a name \(jovyan\); a builder must declare a numeric, non-root USER/,
    );
  });

  it('a builder that runs as root: exit 5', async () => {
    await expectCleanFailure(await tjs2i(['build', course, DEBIAN, output]), 5, /^error: builder .* has USER empty \(root\)/);
  });

  it(onPodman('an assemble that exits non-zero: exit 1 with its exit code and last lines'), async () => {
    const source = await sourceWithAssemble('#!/bin/sh\necho "compiling lesson 1"\necho "lesson 2 is broken" >&2\nexit 7\n');
    try {
      const result = await tjs2i(['build', source.path, builder, output]);
      await expectCleanFailure(result, 1, /^error: assemble failed with exit code 7; the output image .* was not written/);
      expect(result.stderr).to.contain('compiling lesson 1').and.contain('lesson 2 is broken');
      const quiet = await tjs2i(['build', source.path, builder, output, '--quiet']);
      // stdout and stderr of assemble are separate pipes: their relative order is not guaranteed.
      const [heading, ...tail] = quiet.stderr.trim().split('\n');
      expect(heading).to.equal('last lines of output:');
      expect(tail.slice(0, 2).sort()).to.deep.equal(['  compiling lesson 1', '  lesson 2 is broken']);
      expect(tail.slice(2)).to.have.length(1);
      expect(tail[2]).to.match(/^error: assemble failed with exit code 7/);
    } finally {
      await source.remove();
    }
  });

  // Podman only: a second service of its, with Podman's default rlimits (refused on this machine).
  if (ON_PODMAN) {
    it(onPodman("a Podman that cannot raise the containers' rlimits: exit 1, the hint names default_ulimits"), async () => {
      const service = await startPodmanService(
        '[containers]\nlog_driver = "k8s-file"\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "runc"\n',
      );
      try {
        const result = await tjs2i(['build', course, builder, output], { DOCKER_HOST: service.dockerHost });
        await expectCleanFailure(
          result,
          1,
          /^error: .* failed: .*error setting rlimit.*; the engine could not raise .* set `default_ulimits = \[\]` under \[containers\] in containers\.conf/,
        );
      } finally {
        await service.stop();
      }
    });
  }

  it('an invalid output name and missing arguments: exit 2, one line, no help text', async () => {
    await expectCleanFailure(await tjs2i(['build', course, builder, 'Not/A Valid:Name']), 2, /^error: invalid output image name/);
    const missing = await tjs2i(['build', course]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr.trim().split('\n')).to.have.length(1);
    expect(missing.stderr).to.match(/^error: Not enough non-option arguments/);
  });

  it(onPodman('Ctrl-C during assemble removes the container and temp dirs and exits 130'), async () => {
    const source = await sourceWithAssemble('#!/bin/sh\necho "assemble is sleeping"\nsleep 300\n');
    try {
      await commitAll(source.path);
      const run = spawnTjs2i(['build', source.path, builder, output]);
      const deadline = Date.now() + 60_000;
      while (!run.stderr().includes('assemble is sleeping') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(run.stderr()).to.contain('assemble is sleeping');
      const signalled = Date.now();
      run.child.kill('SIGINT');
      const code = await run.exited;
      expect(code, run.stderr()).to.equal(130);
      expect(Date.now() - signalled).to.be.below(20_000);
      await expectCleanFailure({ code, stdout: '', stderr: run.stderr() }, 130, /^error: interrupted$/);
    } finally {
      await source.remove();
    }
  });
});

/** Makes the directory a committed git work tree, so the build goes through a clone (a temp dir). */
async function commitAll(dir: string): Promise<void> {
  await git(dir, 'init', '-q');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'sleepy assemble');
}
