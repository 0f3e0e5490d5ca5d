import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { git, startGitServer, writeFiles, type GitServer } from '../support/integration/git-server.js';
import {
  docker,
  exec,
  imageExists,
  inspectImage,
  leftoverTempDirs,
  tempDir,
  testBuilder,
  tjs2i,
  uniqueName as testName,
} from '../support/integration/helpers.js';

/** Submodules, Git LFS and --copy, through the CLI and the real engine. */
describe('git features: submodules, LFS, --copy (real engine)', function () {
  this.timeout(300_000);
  let builder: string;
  let server: GitServer;
  let scratch: { path: string; remove: () => Promise<void> };
  /** Every output image name used here, removed at the end. */
  const outputs: string[] = [];
  const uniqueName = (what: string) => {
    const name = testName(what);
    outputs.push(name);
    return name;
  };

  before(async () => {
    builder = await testBuilder();
    server = await startGitServer();
    scratch = await tempDir('git-features');
  });

  after(async () => {
    await exec('docker', ['rmi', '-f', ...outputs]);
    await server?.stop();
    await scratch?.remove();
  });

  const inImage = (image: string, script: string) =>
    docker('run', '--rm', '--label', 'io.tjs2i.test=1', '--user', '123456:0', '--entrypoint', 'bash', image, '-c', script);

  /**
   * Build containers left from this run's builder (its tag is unique to the run, so the builds of
   * other test runs on the same engine are not counted).
   */
  const leftoverContainers = async () =>
    (await docker('ps', '-a', '--filter', `ancestor=${builder}`, '--format', '{{.Names}}')).split('\n').filter((n) => n.startsWith('tjs2i-build-'));

  const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error:'));

  /** Adds a submodule at `path` to a work tree, by a URL relative to the work tree's origin. */
  async function addSubmodule(work: string, origin: string, url: string, path: string): Promise<void> {
    await git(work, 'remote', 'add', 'origin', origin).catch(() => undefined);
    await git(work, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', url, path);
    await git(work, 'commit', '-q', '-m', `Add submodule ${path}`);
  }

  describe('submodules', () => {
    let course: string;

    before(async () => {
      // course → lib (../lib) → inner (../inner): relative URLs, served over git://.
      const inner = await server.createRepo('inner', { 'inner.txt': 'INNER-FILE\n' });
      await inner.publish();
      const lib = await server.createRepo('lib', { 'lib.txt': 'LIB-FILE\n' });
      await addSubmodule(lib.work, server.url('lib'), '../inner', 'inner');
      await lib.publish();
      const main = await server.createRepo('course', { 'notes.ipynb': '{}\n' });
      await addSubmodule(main.work, server.url('course'), '../lib', 'lib');
      await main.publish();
      course = server.url('course');
    });

    it('checks out submodules and their submodules (relative URLs) into the image, without .git', async () => {
      const output = uniqueName('submodules');
      const result = await tjs2i(['build', course, builder, output]);
      expect(result.code, result.stderr).to.equal(0);
      const seen = await inImage(output, 'cd /home/jovyan/work && cat lib/lib.txt lib/inner/inner.txt && find . -name .git | wc -l');
      expect(seen.split('\n')).to.deep.equal(['LIB-FILE', 'INNER-FILE', '0']);
    });

    it('leaves submodule directories empty with --ignore-submodules', async () => {
      const output = uniqueName('no-submodules');
      const result = await tjs2i(['build', course, builder, output, '--ignore-submodules']);
      expect(result.code, result.stderr).to.equal(0);
      const seen = await inImage(output, 'cd /home/jovyan/work && test -d lib && ls -A lib | wc -l && cat notes.ipynb');
      expect(seen.split('\n')).to.deep.equal(['0', '{}']);
    });

    it('fails with exit 2 and one error line naming a submodule that cannot be fetched, leaving nothing behind', async () => {
      const broken = await server.createRepo('broken', { 'notes.ipynb': '{}\n' });
      await writeFile(join(broken.work, '.gitmodules'), '[submodule "data"]\n\tpath = week-1/data\n\turl = ../no-such-repo\n');
      await git(broken.work, 'update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},week-1/data`);
      await git(broken.work, 'add', '.gitmodules');
      await git(broken.work, 'commit', '-q', '-m', 'A submodule that is not there');
      await broken.publish();
      const tempBefore = await leftoverTempDirs();
      const output = uniqueName('broken-submodule');
      const result = await tjs2i(['build', server.url('broken'), builder, output]);
      expect(result.code, result.stderr).to.equal(2);
      const errors = errorLines(result.stderr);
      expect(errors).to.have.length(1);
      expect(errors[0]).to.match(/^error: cannot fetch submodule week-1\/data: .*no-such-repo/);
      expect(await imageExists(output)).to.equal(false);
      expect(await leftoverContainers()).to.deep.equal([]);
      expect(await leftoverTempDirs()).to.deep.equal(tempBefore);
    });

    it('never lets a remote repository fetch a submodule from a local path (CVE-2022-39253)', async () => {
      const local = await tempDir('local-secret');
      try {
        await git(local.path, 'init', '-q', '-b', 'main');
        await writeFile(join(local.path, 'secret.txt'), 'LOCAL-SECRET\n');
        await git(local.path, 'add', '-A');
        await git(local.path, 'commit', '-q', '-m', 'secret');
        const sha = await git(local.path, 'rev-parse', 'HEAD');
        const evil = await server.createRepo('evil', { 'notes.ipynb': '{}\n' });
        await writeFile(join(evil.work, '.gitmodules'), `[submodule "s"]\n\tpath = s\n\turl = ${pathToFileURL(local.path).href}\n`);
        await git(evil.work, 'update-index', '--add', '--cacheinfo', `160000,${sha},s`);
        await git(evil.work, 'add', '.gitmodules');
        await git(evil.work, 'commit', '-q', '-m', 'A local submodule');
        await evil.publish();
        const output = uniqueName('evil');
        const result = await tjs2i(['build', server.url('evil'), builder, output]);
        expect(result.code, result.stderr).to.equal(2);
        expect(errorLines(result.stderr)).to.deep.equal([
          "error: cannot fetch submodule s: transport 'file' not allowed; check its URL in .gitmodules, or build with --ignore-submodules",
        ]);
        expect(await imageExists(output)).to.equal(false);
      } finally {
        await local.remove();
      }
    });
  });

  describe('Git LFS', () => {
    let bareUrl: string;
    const big = `LFS-CONTENT-${randomBytes(8).toString('hex')}\n`.repeat(200);
    const pointerNames = Array.from({ length: 12 }, (_, i) => `data/lfs-${String(i).padStart(2, '0')}.bin`);

    before(async () => {
      // A work tree with 12 LFS files, pushed (objects included) to a bare repository over file://.
      const work = join(scratch.path, 'lfs-work');
      await mkdir(work, { recursive: true });
      await git(work, 'init', '-q', '-b', 'main');
      await git(work, 'lfs', 'track', '*.bin');
      await writeFiles(work, Object.fromEntries(pointerNames.map((name, i) => [name, i === 0 ? big : `${big}${i}\n`])));
      await writeFile(join(work, 'notes.ipynb'), '{}\n');
      await git(work, 'add', '-A');
      await git(work, 'commit', '-q', '-m', 'Data in LFS');
      const bare = join(scratch.path, 'lfs.git');
      await git(scratch.path, 'init', '-q', '--bare', '-b', 'main', bare);
      bareUrl = pathToFileURL(bare).href;
      await git(work, 'push', '-q', bareUrl, 'main');
    });

    it('builds the real content of LFS files', async () => {
      const output = uniqueName('lfs');
      const result = await tjs2i(['build', bareUrl, builder, output]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).not.to.contain('warning:');
      const seen = await inImage(output, 'cat /home/jovyan/work/data/lfs-00.bin');
      expect(`${seen}\n`).to.equal(big);
    });

    it('without git-lfs, warns once naming the pointer files and builds anyway', async () => {
      // A PATH with git but no git-lfs (node's own directory may hold git-lfs: the CLI is started by
      // its absolute path and needs nothing else from PATH).
      const bin = join(scratch.path, 'bin-without-lfs');
      await mkdir(bin, { recursive: true });
      await symlink('/usr/bin/git', join(bin, 'git')).catch(() => undefined);
      const output = uniqueName('no-lfs');
      const result = await tjs2i(['build', bareUrl, builder, output], { PATH: bin });
      expect(result.code, result.stderr).to.equal(0);
      const warnings = result.stderr.split('\n').filter((l) => l.startsWith('warning:'));
      expect(warnings).to.deep.equal([
        `warning: git-lfs is not installed: 12 files are left as Git LFS pointers: ${pointerNames.slice(0, 10).join(', ')} and 2 more (install git-lfs to build the real contents)`,
      ]);
      const seen = await inImage(output, 'head -1 /home/jovyan/work/data/lfs-00.bin');
      expect(seen).to.equal('version https://git-lfs.github.com/spec/v1');
    });
  });

  describe('--copy', () => {
    let work: string;
    let head: string;

    before(async () => {
      const repo = await server.createRepo('copied', { 'notes.ipynb': '{"committed": true}\n', 'README.md': 'committed\n' });
      work = repo.work;
      head = await git(work, 'rev-parse', 'HEAD');
      await writeFile(join(work, 'README.md'), 'MODIFIED-NOT-COMMITTED\n');
      await writeFile(join(work, 'untracked.txt'), 'UNTRACKED\n');
    });

    it('builds a work tree as it is on disk (uncommitted and untracked files), without .git, its commit marked', async () => {
      const output = uniqueName('copy');
      const result = await tjs2i(['build', work, builder, output, '--copy']);
      expect(result.code, result.stderr).to.equal(0);
      const seen = await inImage(output, 'cd /home/jovyan/work && cat README.md untracked.txt && test ! -e .git && echo no-git');
      expect(seen.split('\n')).to.deep.equal(['MODIFIED-NOT-COMMITTED', 'UNTRACKED', 'no-git']);
      const labels = (await inspectImage(output)).Config.Labels;
      expect(labels['io.openshift.s2i.build.commit.id']).to.equal(head);
      expect(labels['io.openshift.s2i.build.commit.ref']).to.equal('main (copied work tree)');
      expect(labels['io.openshift.s2i.build.source-location']).to.equal(work);
    });

    it('without --copy the same work tree builds its committed HEAD only', async () => {
      const output = uniqueName('no-copy');
      const result = await tjs2i(['build', work, builder, output]);
      expect(result.code, result.stderr).to.equal(0);
      const seen = await inImage(output, 'cd /home/jovyan/work && cat README.md && test ! -e untracked.txt && echo no-untracked');
      expect(seen.split('\n')).to.deep.equal(['committed', 'no-untracked']);
    });

    it('refuses --copy with a git URL (exit 2, one line)', async () => {
      const output = uniqueName('copy-url');
      const result = await tjs2i(['build', server.url('copied'), builder, output, '--copy']);
      expect(result.code, result.stderr).to.equal(2);
      expect(errorLines(result.stderr)).to.deep.equal([
        `error: --copy needs a local directory, but ${server.url('copied')} is a git URL; drop --copy, or give a directory`,
      ]);
      expect(await imageExists(output)).to.equal(false);
    });

    it('refuses --copy with --ref (exit 2)', async () => {
      const result = await tjs2i(['build', work, builder, uniqueName('copy-ref'), '--copy', '--ref', 'main']);
      expect(result.code, result.stderr).to.equal(2);
      expect(errorLines(result.stderr)).to.have.length(1);
      expect(errorLines(result.stderr)[0]).to.match(/^error: --copy .* cannot take --ref main/);
    });
  });
});
