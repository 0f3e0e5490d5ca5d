import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../../../src/common/errors.js';
import { createLogger } from '../../../src/common/log.js';
import { COPIED_WORK_TREE, prepareSource, sourceKind, type PreparedSource, type SourceSpec } from '../../../src/source/prepare-source.js';
import { excludeGitDir, packTrees } from '../../../src/source/pack-trees.js';
import { readAll, rejectionOf } from '../../support/unit/helpers.js';
import { readRawTar } from '../../support/unit/raw-tar.js';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Ada Lovelace',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgSign=false', '-c', 'protocol.file.allow=always', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...GIT_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

async function repoWith(dir: string, files: Record<string, string>): Promise<string> {
  await mkdir(dir, { recursive: true });
  git(dir, 'init', '-q');
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'content');
  return dir;
}

const POINTER = `version https://git-lfs.github.com/spec/v1\noid sha256:${'e'.repeat(64)}\nsize 3000\n`;

describe('prepareSource: submodules, LFS, --copy', function () {
  this.timeout(30_000);
  let base: string;
  let privateTmp: string;
  let savedTmpdir: string | undefined;
  const savedEnv: Record<string, string | undefined> = {};
  const warnings: string[] = [];
  const logger = createLogger({ level: 'info', write: (text) => void (text.startsWith('warning:') && warnings.push(text.trim())) });
  let listed: string[];
  const srcDirs = async () => (await readdir(tmpdir())).filter((n) => n.startsWith('tjs2i-src-'));

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'tjs2i-unit-source-git-'));
    privateTmp = await mkdtemp(join(tmpdir(), 'tjs2i-unit-tmp-'));
    savedTmpdir = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    for (const key of Object.keys(process.env).filter((k) => /^(git_|editor$|visual$|pager$)/i.test(k) && k !== 'GIT_CONFIG_NOSYSTEM')) {
      savedEnv[key] = process.env[key];
      delete process.env[key];
    }
  });

  after(async () => {
    Object.assign(process.env, savedEnv);
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    await rm(base, { recursive: true, force: true });
    await rm(privateTmp, { recursive: true, force: true });
  });

  beforeEach(async () => {
    listed = await srcDirs();
    warnings.length = 0;
  });

  afterEach(async () => {
    const leftovers = (await srcDirs()).filter((n) => !listed.includes(n));
    await Promise.all(leftovers.map((n) => rm(join(tmpdir(), n), { recursive: true, force: true })));
    expect(leftovers, 'leftover temporary directories').to.deep.equal([]);
  });

  async function withSource(spec: SourceSpec, check: (source: PreparedSource) => Promise<void> | void): Promise<void> {
    const source = await prepareSource(spec, logger);
    try {
      await check(source);
    } finally {
      await source.cleanup();
    }
  }

  async function usageError(spec: SourceSpec): Promise<UsageError> {
    const error = await rejectionOf(prepareSource(spec, logger));
    expect(error).to.be.instanceOf(UsageError);
    return error as UsageError;
  }

  it("clones from git's dumb HTTP transport (a static web server), which refuses a shallow clone, by cloning all of it", async () => {
    const work = await repoWith(join(base, 'dumb-work'), { 'intro.ipynb': '{"dumb": true}' });
    git(work, 'commit', '-q', '--allow-empty', '-m', 'second');
    const bare = join(base, 'dumb.git');
    git(base, 'clone', '-q', '--bare', work, bare);
    git(bare, 'update-server-info');
    const server = createServer((req, res) => {
      const path = join(bare, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/dumb\.git/, ''));
      readFile(path).then(
        (data) => res.end(data),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const lines: string[] = [];
    const seeing = createLogger({ level: 'info', write: (text) => void lines.push(text) });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dumb.git`;
      const source = await prepareSource({ location: url }, seeing);
      try {
        expect(await readFile(join(source.dir, 'intro.ipynb'), 'utf8')).to.equal('{"dumb": true}');
        expect(source.provenance.commit?.message).to.equal('second');
        expect(lines.join('')).to.contain('does not serve shallow clones (dumb HTTP): cloning all of it');
      } finally {
        await source.cleanup();
      }
    } finally {
      server.close();
    }
  });

  describe('submodules', () => {
    let course: string;

    before(async () => {
      // Siblings: course → ../lib → ../inner, relative URLs, as a work tree without origin.
      await repoWith(join(base, 'inner'), { 'inner.txt': 'inner\n' });
      const lib = await repoWith(join(base, 'lib'), { 'lib.txt': 'lib\n' });
      git(lib, 'submodule', 'add', '-q', '../inner', 'inner');
      git(lib, 'commit', '-q', '-m', 'inner');
      course = await repoWith(join(base, 'course'), { 'notes.ipynb': '{}\n' });
      git(course, 'submodule', 'add', '-q', '../lib', 'week 1/lib');
      git(course, 'commit', '-q', '-m', 'lib');
    });

    for (const [what, location] of [
      ['a work tree', () => course],
      ['a file:// URL', () => pathToFileURL(course).href],
    ] as const) {
      it(`checks out nested submodules of ${what} (relative URLs); their .git files are never packed`, async () => {
        await withSource({ location: location() }, async (source) => {
          expect(await readFile(join(source.dir, 'week 1', 'lib', 'lib.txt'), 'utf8')).to.equal('lib\n');
          expect(await readFile(join(source.dir, 'week 1', 'lib', 'inner', 'inner.txt'), 'utf8')).to.equal('inner\n');
          expect((await stat(join(source.dir, 'week 1', 'lib', '.git'))).isFile()).to.equal(true);
          expect(excludeGitDir('week 1/lib/.git')).to.equal(true);
          expect(excludeGitDir('week 1/lib/inner/.git')).to.equal(true);
        });
      });
    }

    it('leaves them empty with ignoreSubmodules', async () => {
      await withSource({ location: course, ignoreSubmodules: true }, async (source) => {
        expect(await readdir(join(source.dir, 'week 1', 'lib'))).to.deep.equal([]);
        expect(existsSync(join(source.dir, 'notes.ipynb'))).to.equal(true);
      });
    });

    it("resolves a work tree's relative submodule URLs against its origin, as git does in the work tree", async () => {
      // The origin holds course.git and data.git side by side; the work tree is elsewhere.
      const remote = join(base, 'remote');
      await mkdir(remote);
      const data = await repoWith(join(base, 'data-src'), { 'data.csv': 'a,b\n' });
      git(remote, 'clone', '-q', '--bare', data, 'data.git');
      const up = await repoWith(join(base, 'up-src'), { 'notes.ipynb': '{}\n' });
      git(up, 'submodule', 'add', '-q', join(remote, 'data.git'), 'data');
      git(up, 'config', '-f', '.gitmodules', 'submodule.data.url', '../data.git');
      git(up, 'commit', '-q', '-am', 'relative data');
      git(remote, 'clone', '-q', '--bare', up, 'course.git');
      const work = join(base, 'elsewhere', 'my-course');
      await mkdir(join(base, 'elsewhere'));
      git(join(base, 'elsewhere'), 'clone', '-q', join(remote, 'course.git'), 'my-course');
      await withSource({ location: work }, async (source) => {
        expect(await readFile(join(source.dir, 'data', 'data.csv'), 'utf8')).to.equal('a,b\n');
      });
    });

    it('fails with a UsageError naming a submodule that cannot be fetched, never showing credentials', async () => {
      const broken = await repoWith(join(base, 'broken'), { 'notes.ipynb': '{}\n' });
      await writeFile(join(broken, '.gitmodules'), '[submodule "d"]\n\tpath = week-2/d\n\turl = https://alice:s3cr3t-t0ken@127.0.0.1:1/org/d.git\n');
      git(broken, 'update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},week-2/d`);
      git(broken, 'add', '.gitmodules');
      git(broken, 'commit', '-q', '-m', 'broken');
      const error = await usageError({ location: broken });
      expect(error.message).to.match(/^cannot fetch submodule week-2\/d: /);
      expect(error.message).not.to.contain('\n');
      expect(error.message).not.to.contain('s3cr3t-t0ken');
      expect(error.hint).to.contain('--ignore-submodules');
    });

    it('never deletes outside the clone for a submodule name with ../ (a hostile .gitmodules)', async () => {
      const victim = await mkdtemp(join(tmpdir(), 'tjs2i-unit-victim-'));
      await writeFile(join(victim, 'precious.txt'), 'keep me\n');
      try {
        const hostile = await repoWith(join(base, 'hostile'), { 'notes.ipynb': '{}\n' });
        // From <clone>/.git/modules, ../../../<victim> is a sibling of the clone in the temp dir.
        const name = `../../../${victim.split('/').pop() ?? ''}`;
        await writeFile(join(hostile, '.gitmodules'), `[submodule "${name}"]\n\tpath = sub\n\turl = ./does-not-exist\n`);
        git(hostile, 'update-index', '--add', '--cacheinfo', `160000,${'2'.repeat(40)},sub`);
        git(hostile, 'add', '.gitmodules');
        git(hostile, 'commit', '-q', '-m', 'hostile');
        // The suite's TMPDIR holds both the victim and the clone.
        await usageError({ location: hostile });
        expect(await readFile(join(victim, 'precious.txt'), 'utf8')).to.equal('keep me\n');
      } finally {
        await rm(victim, { recursive: true, force: true });
      }
    });
  });

  describe('Git LFS', () => {
    it('fetches LFS contents of a file:// repository', async () => {
      const work = await repoWith(join(base, 'lfs-work'), { 'notes.ipynb': '{}\n' });
      git(work, 'lfs', 'track', '*.bin');
      await writeFile(join(work, 'big.bin'), 'BIG '.repeat(1000));
      git(work, 'add', '-A');
      git(work, 'commit', '-q', '-m', 'lfs');
      git(base, 'init', '-q', '--bare', 'lfs.git');
      git(work, 'push', '-q', pathToFileURL(join(base, 'lfs.git')).href, 'main');
      git(join(base, 'lfs.git'), 'symbolic-ref', 'HEAD', 'refs/heads/main');
      await withSource({ location: pathToFileURL(join(base, 'lfs.git')).href }, async (source) => {
        expect(await readFile(join(source.dir, 'big.bin'), 'utf8')).to.equal('BIG '.repeat(1000));
      });
      expect(warnings).to.deep.equal([]);
    });

    it('fails with a UsageError when the LFS objects cannot be fetched', async () => {
      git(base, 'clone', '-q', '--bare', join(base, 'lfs-work'), 'no-objects.git');
      const error = await usageError({ location: pathToFileURL(join(base, 'no-objects.git')).href });
      expect(error.message).to.match(/^cannot fetch the Git LFS files of file:\/\/.*no-objects\.git: /);
      expect(error.message).not.to.contain('\n');
    });
  });

  describe('names that are not UTF-8', () => {
    it('clones them as git checked them out, byte for byte, and packs them so', async () => {
      const latin1 = Buffer.from([0x72, 0xe9, 0x73, 0x75, 0x6d, 0xe9]); // "résumé" in Latin-1
      const work = await repoWith(join(base, 'latin1-work'), { 'notes.ipynb': '{}\n' });
      await mkdir(Buffer.concat([Buffer.from(`${work}/`), latin1]));
      await writeFile(Buffer.concat([Buffer.from(`${work}/`), latin1, Buffer.from('/c'), Buffer.from([0xe9])]), 'old\n');
      git(work, 'add', '-A');
      git(work, 'commit', '-q', '-m', 'latin-1');
      await withSource({ location: pathToFileURL(work).href }, async (source) => {
        expect((await readdir(source.dir, { encoding: 'buffer' })).map((n) => n.toString('latin1')).sort()).to.deep.equal(
          ['.git', 'notes.ipynb', latin1.toString('latin1')].sort(),
        );
        const packing = packTrees({ uid: 1000, gid: 0, trees: [{ dir: source.dir, prefix: '' }] });
        const [archive] = await Promise.all([readAll(packing.stream), packing.done]);
        expect(readRawTar(archive).map((e) => e.name.toString('latin1'))).to.deep.equal([
          'notes.ipynb',
          `${latin1.toString('latin1')}/`,
          `${latin1.toString('latin1')}/c\xe9`,
        ]);
      });
    });
  });

  describe('--copy', () => {
    let work: string;
    let head: string;

    before(async () => {
      work = await repoWith(join(base, 'copy-work'), { 'README.md': 'committed\n' });
      head = git(work, 'rev-parse', 'HEAD');
      await writeFile(join(work, 'README.md'), 'modified\n');
      await writeFile(join(work, 'untracked.txt'), 'untracked\n');
    });

    it('uses a work tree as it is on disk, recording HEAD with its ref marked', async () => {
      expect(sourceKind(work, true)).to.equal('directory');
      expect(sourceKind(work)).to.equal('work-tree');
      await withSource({ location: work, copy: true }, async (source) => {
        expect(source.dir).to.equal(work);
        expect(await readFile(join(source.dir, 'README.md'), 'utf8')).to.equal('modified\n');
        expect(existsSync(join(source.dir, 'untracked.txt'))).to.equal(true);
        expect(source.provenance.location).to.equal(work);
        expect(source.provenance.commit).to.deep.include({ id: head, ref: `main ${COPIED_WORK_TREE}`, message: 'content' });
      });
      expect(existsSync(join(work, 'README.md'))).to.equal(true);
    });

    it('records no commit for a plain directory', async () => {
      const plain = join(base, 'copy-plain');
      await mkdir(plain);
      await writeFile(join(plain, 'a.txt'), 'a\n');
      await withSource({ location: plain, copy: true }, (source) => {
        expect(source.provenance).to.deep.equal({ location: plain });
      });
    });

    it('warns once when the directory holds LFS pointers', async () => {
      const dir = join(base, 'copy-lfs');
      await mkdir(join(dir, 'data'), { recursive: true });
      await writeFile(join(dir, '.gitattributes'), '*.bin filter=lfs\n');
      await writeFile(join(dir, 'data', 'x.bin'), POINTER);
      await withSource({ location: dir, copy: true }, () => undefined);
      expect(warnings).to.deep.equal([
        'warning: 1 file is a Git LFS pointer, not its content: data/x.bin (run git lfs pull in the source to build the real contents)',
      ]);
    });

    it('refuses a git URL', async () => {
      const error = await usageError({ location: 'https://alice:s3cr3t@example.org/course.git', copy: true });
      expect(error.message).to.equal('--copy needs a local directory, but https://***@example.org/course.git is a git URL');
    });

    it('refuses --ref', async () => {
      const error = await usageError({ location: work, copy: true, ref: 'main' });
      expect(error.message).to.contain('cannot take --ref main');
    });
  });
});
