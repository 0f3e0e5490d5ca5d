import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/common/log.js';
import { prepareSource } from '../../../src/source/prepare-source.js';
import { readWorkTreeHead } from '../../../src/source/work-tree-head.js';

const GIT_ENV = { GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.org', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@example.org' };
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgSign=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...GIT_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
const silent = createLogger({ write: () => undefined });

/** What the clone records (the source key's commit id and ref come from it after a clone). */
async function cloned(dir: string): Promise<{ id: string; ref: string }> {
  const source = await prepareSource({ location: dir }, silent);
  try {
    const commit = source.provenance.commit!;
    return { id: commit.id, ref: commit.ref };
  } finally {
    await source.cleanup();
  }
}

describe('readWorkTreeHead: the commit and ref a clone of the work tree records, without cloning', function () {
  this.timeout(30_000);
  let base: string;
  let repo: string;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'tjs2i-unit-head-'));
    repo = join(base, 'course');
    execFileSync('mkdir', [repo]);
    git(repo, 'init', '-q');
    // git before 2.28 ignores init.defaultBranch.
    git(repo, 'symbolic-ref', 'HEAD', 'refs/heads/main');
    await writeFile(join(repo, 'intro.ipynb'), '{}');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'first');
    await writeFile(join(repo, 'next.ipynb'), '{}');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'second');
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('on a branch: its tip and name', async () => {
    const head = await readWorkTreeHead(repo);
    expect(head).to.deep.equal({ id: git(repo, 'rev-parse', 'HEAD'), ref: 'main' });
    expect(head).to.deep.equal(await cloned(repo));
  });

  it('on another branch at the same commit: the other name', async () => {
    git(repo, 'checkout', '-q', '-b', 'spring-term');
    try {
      const head = await readWorkTreeHead(repo);
      expect(head?.ref).to.equal('spring-term');
      expect(head).to.deep.equal(await cloned(repo));
    } finally {
      git(repo, 'checkout', '-q', 'main');
    }
  });

  it('with a detached HEAD: the commit id as the ref', async () => {
    git(repo, 'checkout', '-q', '--detach', 'HEAD~1');
    try {
      const head = await readWorkTreeHead(repo);
      expect(head).to.deep.equal({ id: git(repo, 'rev-parse', 'HEAD'), ref: git(repo, 'rev-parse', 'HEAD') });
      expect(head).to.deep.equal(await cloned(repo));
    } finally {
      git(repo, 'checkout', '-q', 'main');
    }
  });

  it('in a linked worktree (.git is a file): that worktree’s branch', async () => {
    const linked = join(base, 'linked');
    git(repo, 'worktree', 'add', '-q', '-b', 'feature', linked, 'HEAD~1');
    try {
      const head = await readWorkTreeHead(linked);
      expect(head).to.deep.equal({ id: git(repo, 'rev-parse', 'HEAD~1'), ref: 'feature' });
      expect(head).to.deep.equal(await cloned(linked));
    } finally {
      git(repo, 'worktree', 'remove', '--force', linked);
    }
  });

  it('undefined for a repository without commits or a directory that is none', async () => {
    const empty = join(base, 'empty');
    execFileSync('mkdir', [empty]);
    git(empty, 'init', '-q');
    expect(await readWorkTreeHead(empty)).to.equal(undefined);
    expect(await readWorkTreeHead(join(base, 'missing'))).to.equal(undefined);
  });
});
