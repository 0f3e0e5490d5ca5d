/**
 * Skipping work already done: the output image records what it was built from; a build of the same
 * commit with the same builder and options says the image is up to date and creates no container.
 * For a work tree the check comes before the clone (the source key): nothing is cloned.
 */
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { notebook, writeTree } from '../support/integration/course-fixtures.js';
import { tjs2iTracked } from '../support/integration/engine-recorder.js';
import { git } from '../support/integration/git-server.js';
import { docker, exec, imageId, inspectImage, tempDir, testBuilder, tjs2i, uniqueName } from '../support/integration/helpers.js';

describe('build: an output image built from the same inputs is up to date (real engine)', function () {
  this.timeout(600_000);
  let builder: string;
  let repo: { path: string; remove: () => Promise<void> };
  let output: string;
  let firstId: string;
  const images: string[] = [];

  const commit = async (files: Record<string, string>, message: string) => {
    await writeTree(repo.path, files);
    await git(repo.path, 'add', '-A');
    await git(repo.path, 'commit', '-q', '-m', message);
    return git(repo.path, 'rev-parse', 'HEAD');
  };

  before(async () => {
    builder = await testBuilder();
    repo = await tempDir('uptodate');
    await git(repo.path, 'init', '-q', '-b', 'main');
    await commit({ '01-intro.ipynb': notebook('Introduction') }, 'first');
    output = uniqueName('uptodate');
    images.push(output);
    const first = await tjs2i(['build', repo.path, builder, output]);
    expect(first.code, first.stderr).to.equal(0);
    firstId = (await imageId(output)) as string;
  });

  after(async () => {
    await repo.remove();
    for (const image of images) await exec('docker', ['rmi', '-f', image]);
  });

  it('records what the image was built from, never a variable value', async () => {
    const labels = (await inspectImage(output)).Config.Labels;
    expect(labels['io.tjs2i.build.fingerprint']).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(labels['io.tjs2i.build.builder-id']).to.equal(await imageId(builder));
    expect(labels['io.tjs2i.build.scripts']).to.equal('assemble=image:/usr/libexec/s2i/assemble run=image:/usr/libexec/s2i/run');
    expect(labels['io.tjs2i.build.environment-digest']).to.match(/^sha256:/);
    expect(labels['io.tjs2i.build.source-key']).to.match(/^sha256:[0-9a-f]{64}$/);
  });

  it('a second build of the same commit: one line, exit 0, the same image, no container created', async () => {
    const run = await tjs2iTracked(['build', repo.path, builder, output]);
    expect(run.code, run.stderr).to.equal(0);
    const head = await git(repo.path, 'rev-parse', 'HEAD');
    expect(run.stderr).to.contain(`${output}:latest is up to date: built from ${head} with ${builder}; use --force to rebuild\n`);
    expect(run.stderr)
      .to.not.contain('==> commit')
      .and.not.match(/^built /m);
    expect(run.stderr, 'found before the clone').to.not.contain('==> clone');
    expect(run.created).to.deep.equal([]);
    expect(await imageId(output)).to.equal(firstId);
  });

  it('uncommitted and untracked changes do not count: a build clones the commit, which is unchanged', async () => {
    await writeFile(join(repo.path, 'draft.ipynb'), notebook('Draft'));
    await writeFile(join(repo.path, '01-intro.ipynb'), notebook('Introduction, edited'));
    try {
      const run = await tjs2iTracked(['build', repo.path, builder, output]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.contain('is up to date').and.not.contain('==> clone');
      expect(run.created).to.deep.equal([]);
      expect(await imageId(output)).to.equal(firstId);
    } finally {
      await git(repo.path, 'checkout', '-q', '--', '.');
      await git(repo.path, 'clean', '-qfd');
    }
  });

  it('--json: the usual result plus upToDate', async () => {
    const run = await tjs2iTracked(['build', repo.path, builder, output, '--json', '-q']);
    expect(run.code, run.stderr).to.equal(0);
    const json = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(json).to.include({ ok: true, upToDate: true, imageId: firstId, image: `${output}:latest` });
    expect(run.created).to.deep.equal([]);
  });

  describe('rebuilds', () => {
    /** Builds and returns the containers the run created and the new image id. */
    async function rebuild(args: string[]) {
      const run = await tjs2iTracked(['build', repo.path, builder, output, ...args]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.not.contain('is up to date:');
      expect(run.created).to.have.length(1);
      const id = (await imageId(output)) as string;
      images.push(id);
      return id;
    }

    it('with --force', async () => {
      expect(await rebuild(['--force'])).to.not.equal(firstId);
    });

    it('with another -e, then not again with the same one', async () => {
      const id = await rebuild(['-e', 'COURSE=stats']);
      const again = await tjs2iTracked(['build', repo.path, builder, output, '-e', 'COURSE=stats']);
      expect(again.stderr).to.contain('is up to date');
      expect(again.created).to.deep.equal([]);
      expect(await imageId(output)).to.equal(id);
    });

    it('for a new commit', async () => {
      const before = await imageId(output);
      await commit({ '02-next.ipynb': notebook('Next') }, 'second');
      expect(await rebuild([])).to.not.equal(before);
      const files = await docker('run', '--rm', '--label', 'io.tjs2i.test=1', '--entrypoint', 'ls', output, '/home/jovyan/work');
      expect(files.split('\n')).to.include('02-next.ipynb');
    });

    it('with another builder image id (the same name, rebuilt)', async () => {
      const before = await imageId(output);
      const derived = uniqueName('derivedbuilder');
      images.push(derived);
      const context = await tempDir('derived');
      try {
        await writeFile(join(context.path, 'Dockerfile'), `FROM ${builder}\nLABEL io.tjs2i.test=1 derived=yes\n`);
        await docker('build', '-q', '-t', derived, context.path);
        await tjs2i(['build', repo.path, derived, output]);
        const labels = (await inspectImage(output)).Config.Labels;
        expect(labels['io.tjs2i.build.builder-id']).to.equal(await imageId(derived));
        expect(await imageId(output)).to.not.equal(before);
      } finally {
        await context.remove();
      }
    });

    it('on another branch at the same commit (the commit.ref label changes), then not again', async () => {
      await tjs2i(['build', repo.path, builder, output]);
      await git(repo.path, 'checkout', '-q', '-b', 'spring-term');
      try {
        const id = await rebuild([]);
        expect((await inspectImage(output)).Config.Labels['io.openshift.s2i.build.commit.ref']).to.equal('spring-term');
        const again = await tjs2iTracked(['build', repo.path, builder, output]);
        expect(again.stderr).to.contain('is up to date').and.not.contain('==> clone');
        expect(await imageId(output)).to.equal(id);
      } finally {
        await git(repo.path, 'checkout', '-q', 'main');
      }
    });

    it('when the -E file changes, then not again', async () => {
      const context = await tempDir('envfile');
      try {
        const file = join(context.path, 'build.env');
        await writeFile(file, 'COURSE=stats\n');
        await tjs2i(['build', repo.path, builder, output, '-E', file]);
        const same = await tjs2iTracked(['build', repo.path, builder, output, '-E', file]);
        expect(same.stderr).to.contain('is up to date').and.not.contain('==> clone');
        await writeFile(file, 'COURSE=maths\n');
        const id = await rebuild(['-E', file]);
        const again = await tjs2iTracked(['build', repo.path, builder, output, '-E', file]);
        expect(again.stderr).to.contain('is up to date').and.not.contain('==> clone');
        expect(await imageId(output)).to.equal(id);
      } finally {
        await context.remove();
      }
    });

    it('never skips a directory used as it is (--copy), and says so at --verbose', async () => {
      const first = await tjs2i(['build', repo.path, builder, output, '--copy']);
      expect(first.code, first.stderr).to.equal(0);
      images.push((await imageId(output)) as string);
      const run = await tjs2iTracked(['build', repo.path, builder, output, '--copy', '--verbose']);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.contain('not looking for an up-to-date').and.contain('not a commit');
      expect(run.created).to.have.length(1);
      images.push((await imageId(output)) as string);
      expect((await inspectImage(output)).Config.Labels['io.tjs2i.build.source-key']).to.equal('');
    });
  });
});
