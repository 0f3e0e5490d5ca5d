import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InterruptedError, UsageError } from '../../../src/common/errors.js';
import { createLogger } from '../../../src/common/log.js';
import { lastGitLine, prepareSource, validateContextDir, type PreparedSource, type SourceSpec } from '../../../src/source/prepare-source.js';
import { rejectionOf } from '../../support/unit/helpers.js';

const AUTHOR = { name: 'Ada Lovelace', email: 'ada@example.com' };
const DATES = ['2024-05-01T10:00:00+02:00', '2024-05-02T11:30:00+02:00', '2024-05-03T09:15:00+02:00'];

function git(cwd: string, args: string[], date = DATES[0]): string {
  return execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'tag.gpgSign=false', '-c', 'commit.gpgSign=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: AUTHOR.name,
      GIT_AUTHOR_EMAIL: AUTHOR.email,
      GIT_COMMITTER_NAME: 'Committer',
      GIT_COMMITTER_EMAIL: 'committer@example.com',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
      GIT_CONFIG_NOSYSTEM: '1',
    },
  }).trim();
}

const silent = createLogger({ write: () => {} });

/**
 * Variables that change what git or simple-git does (EDITOR & co., which simple-git guards, and
 * GIT_* variables such as GIT_DIR). The suite removes them while it runs so its results do not
 * depend on the environment it is started from; the tests under "the environment of git" set
 * some of them on purpose.
 */
const GUARDED = new Set(['editor', 'visual', 'pager', 'prefix', 'ssh_askpass']);
const KEPT = new Set(['git_terminal_prompt', 'git_ssl_cainfo', 'git_ssl_capath', 'git_config_nosystem']);
const isGuarded = (key: string) => {
  const k = key.toLowerCase();
  return !KEPT.has(k) && (GUARDED.has(k) || k.startsWith('git_'));
};

describe('prepareSource', function () {
  this.timeout(20_000);

  let base: string; // holds the fixtures (in the real temporary directory)
  let privateTmp: string; // TMPDIR while the tests run: only prepareSource writes there
  let savedTmpdir: string | undefined;
  const savedEnv: Record<string, string | undefined> = {};
  let plain: string;
  let repo: string;
  let empty: string;
  let detached: string;
  const sha: Record<string, string> = {};
  let listed: string[];
  const logged: string[] = [];
  const logger = createLogger({ level: 'debug', write: (text) => void logged.push(text) });

  const srcDirs = async () => (await readdir(tmpdir())).filter((n) => n.startsWith('tjs2i-src-')).sort();

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'tjs2i-unit-source-'));
    privateTmp = await mkdtemp(join(tmpdir(), 'tjs2i-unit-tmp-'));

    plain = join(base, 'plain dir');
    await mkdir(join(plain, 'week1'), { recursive: true });
    await writeFile(join(plain, 'README.md'), 'plain\n');
    await writeFile(join(plain, 'week1', 'nb.ipynb'), '{}\n');

    // A work tree whose path has a space and non-ASCII letters (it is cloned through a file:// URL).
    repo = join(base, 'my course é');
    await mkdir(repo);
    git(repo, ['init', '-q']);
    await mkdir(join(repo, 'week1'));
    await writeFile(join(repo, 'README.md'), 'committed v1\n');
    await writeFile(join(repo, 'week1', 'nb.ipynb'), '{"week": 1}\n');
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'First commit\n\nWith a body line.'], DATES[0]);
    git(repo, ['tag', '-a', 'v1', '-m', 'Release 1'], DATES[0]);
    git(repo, ['tag', 'light'], DATES[0]);
    sha.first = git(repo, ['rev-parse', 'HEAD']);
    await mkdir(join(repo, 'week2'));
    await writeFile(join(repo, 'week2', 'nb.ipynb'), '{"week": 2}\n');
    await writeFile(join(repo, 'README.md'), 'committed v2\n');
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'Add week 2'], DATES[1]);
    sha.main = git(repo, ['rev-parse', 'HEAD']);
    git(repo, ['checkout', '-q', '-b', 'feature']);
    await writeFile(join(repo, 'feature.txt'), 'feature\n');
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'Feature work'], DATES[2]);
    sha.feature = git(repo, ['rev-parse', 'HEAD']);
    git(repo, ['checkout', '-q', 'main']);
    // Stray, uncommitted changes: never part of a build.
    await writeFile(join(repo, 'uncommitted.txt'), 'stray\n');
    await writeFile(join(repo, 'README.md'), 'modified, not committed\n');

    empty = join(base, 'empty-repo');
    await mkdir(empty);
    git(empty, ['init', '-q']);
    await writeFile(join(empty, 'file.txt'), 'never committed\n');

    detached = join(base, 'detached');
    git(base, ['clone', '-q', repo, detached]);
    git(detached, ['checkout', '-q', '--detach', sha.first!]);

    savedTmpdir = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    expect(tmpdir()).to.equal(privateTmp);
    for (const key of Object.keys(process.env).filter(isGuarded)) {
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
    logged.length = 0;
  });

  afterEach(async function () {
    // Every case, success (after cleanup()) or failure, leaves no temporary clone behind.
    const now = await srcDirs();
    const leftovers = now.filter((n) => !listed.includes(n));
    await Promise.all(leftovers.map((n) => rm(join(tmpdir(), n), { recursive: true, force: true })));
    expect(leftovers, `leftover temporary directories after "${this.currentTest?.title}"`).to.deep.equal([]);
  });

  /** Prepares, runs the checks, and always cleans up (checking the clone is really gone). */
  async function withSource(spec: SourceSpec, check: (source: PreparedSource) => Promise<void> | void): Promise<void> {
    const source = await prepareSource(spec, logger);
    try {
      await check(source);
    } finally {
      await source.cleanup();
    }
  }

  async function usageError(spec: SourceSpec, signal?: AbortSignal): Promise<UsageError> {
    const error = await rejectionOf(prepareSource(spec, silent, signal));
    expect(error).to.be.instanceOf(UsageError);
    expect((error as UsageError).exitCode).to.equal(2);
    return error as UsageError;
  }

  describe('a plain directory', () => {
    it('is used as it is, with its absolute path as location and no commit', async () => {
      await withSource({ location: plain }, (source) => {
        expect(source.dir).to.equal(plain);
        expect(source.provenance).to.deep.equal({ location: plain });
      });
      // cleanup() must never remove the user's own directory.
      expect(existsSync(join(plain, 'README.md'))).to.equal(true);
    });

    it('resolves a relative path', async () => {
      const rel = relative(process.cwd(), plain);
      await withSource({ location: rel }, (source) => {
        expect(source.dir).to.equal(plain);
        expect(source.provenance.location).to.equal(plain);
      });
    });

    it('applies a context dir', async () => {
      await withSource({ location: plain, contextDir: 'week1/' }, (source) => {
        expect(source.dir).to.equal(join(plain, 'week1'));
        expect(source.provenance).to.deep.equal({ location: plain, contextDir: 'week1' });
      });
    });

    it('rejects --ref with a UsageError', async () => {
      const error = await usageError({ location: plain, ref: 'main' });
      expect(error.message).to.include('--ref main');
      expect(error.message).to.include(plain);
    });

    it('rejects a missing context dir', async () => {
      const error = await usageError({ location: plain, contextDir: 'week9' });
      expect(error.message).to.include('week9');
    });

    it('treats a subdirectory of a work tree as a plain directory', async () => {
      await withSource({ location: join(repo, 'week1') }, (source) => {
        expect(source.dir).to.equal(join(repo, 'week1'));
        expect(source.provenance.commit).to.equal(undefined);
      });
    });
  });

  describe('a git work tree', () => {
    it('clones the committed HEAD, without uncommitted changes', async () => {
      await withSource({ location: repo }, async (source) => {
        expect(source.dir).not.to.equal(repo);
        expect(dirname(source.dir)).to.equal(tmpdir());
        expect(basename(source.dir)).to.match(/^tjs2i-src-/);
        expect(await readFile(join(source.dir, 'README.md'), 'utf8')).to.equal('committed v2\n');
        expect(existsSync(join(source.dir, 'week2', 'nb.ipynb'))).to.equal(true);
        expect(existsSync(join(source.dir, 'uncommitted.txt'))).to.equal(false);
        expect(existsSync(join(source.dir, 'feature.txt'))).to.equal(false);
      });
    });

    it('records the provenance of HEAD', async () => {
      await withSource({ location: repo }, (source) => {
        expect(source.provenance).to.deep.equal({
          location: repo,
          commit: {
            id: git(repo, ['rev-parse', 'HEAD']),
            ref: 'main',
            author: 'Ada Lovelace <ada@example.com>',
            date: DATES[1],
            message: 'Add week 2',
          },
        });
        expect(source.provenance.commit?.id).to.equal(sha.main);
      });
    });

    it('removes the clone on cleanup()', async () => {
      const source = await prepareSource({ location: repo }, silent);
      expect(existsSync(source.dir)).to.equal(true);
      await source.cleanup();
      expect(existsSync(source.dir)).to.equal(false);
      expect(existsSync(join(repo, 'README.md'))).to.equal(true);
    });

    it('checks out a branch', async () => {
      await withSource({ location: repo, ref: 'feature' }, async (source) => {
        expect(await readFile(join(source.dir, 'feature.txt'), 'utf8')).to.equal('feature\n');
        expect(source.provenance.commit).to.deep.include({ id: sha.feature, ref: 'feature', message: 'Feature work', date: DATES[2] });
      });
    });

    it('checks out refs/heads/<branch>', async () => {
      await withSource({ location: repo, ref: 'refs/heads/feature' }, (source) => {
        expect(existsSync(join(source.dir, 'feature.txt'))).to.equal(true);
        expect(source.provenance.commit?.id).to.equal(sha.feature);
      });
    });

    it('checks out an annotated tag (the commit it points at)', async () => {
      await withSource({ location: repo, ref: 'v1' }, async (source) => {
        expect(await readFile(join(source.dir, 'README.md'), 'utf8')).to.equal('committed v1\n');
        expect(existsSync(join(source.dir, 'week2'))).to.equal(false);
        expect(source.provenance.commit).to.deep.equal({
          id: sha.first,
          ref: 'v1',
          author: 'Ada Lovelace <ada@example.com>',
          date: DATES[0],
          message: 'First commit\n\nWith a body line.',
        });
      });
    });

    it('checks out a lightweight tag', async () => {
      await withSource({ location: repo, ref: 'light' }, (source) => {
        expect(source.provenance.commit?.id).to.equal(sha.first);
        expect(source.provenance.commit?.ref).to.equal('light');
      });
    });

    it('checks out an abbreviated commit id', async () => {
      const short = sha.first!.slice(0, 8);
      await withSource({ location: repo, ref: short }, (source) => {
        expect(existsSync(join(source.dir, 'week2'))).to.equal(false);
        expect(source.provenance.commit?.id).to.equal(sha.first);
        expect(source.provenance.commit?.ref).to.equal(short);
      });
    });

    it('checks out a full commit id that is only on another branch', async () => {
      await withSource({ location: repo, ref: sha.feature }, (source) => {
        expect(existsSync(join(source.dir, 'feature.txt'))).to.equal(true);
        expect(source.provenance.commit?.id).to.equal(sha.feature);
      });
    });

    it('records the commit id as ref when the work tree has a detached HEAD', async () => {
      await withSource({ location: detached }, (source) => {
        expect(source.provenance.commit?.id).to.equal(sha.first);
        expect(source.provenance.commit?.ref).to.equal(sha.first);
      });
    });

    it('applies a context dir inside the clone', async () => {
      await withSource({ location: repo, contextDir: 'week2' }, async (source) => {
        expect(basename(dirname(source.dir))).to.match(/^tjs2i-src-/);
        expect(basename(source.dir)).to.equal('week2');
        expect(await readFile(join(source.dir, 'nb.ipynb'), 'utf8')).to.equal('{"week": 2}\n');
        expect(source.provenance.contextDir).to.equal('week2');
        expect(source.provenance.commit?.id).to.equal(sha.main);
      });
    });

    it('rejects a context dir missing from the ref, and removes the clone', async () => {
      const error = await usageError({ location: repo, ref: 'v1', contextDir: 'week2' });
      expect(error.message).to.include('context dir week2 not found');
    });

    it('rejects an unknown ref, naming it', async () => {
      const error = await usageError({ location: repo, ref: 'no-such-branch' });
      expect(error.message).to.include('no-such-branch');
      expect(error.message).to.include(repo);
    });

    it('rejects an unknown commit id, naming it', async () => {
      const error = await usageError({ location: repo, ref: 'deadbeef' });
      expect(error.message).to.include('deadbeef');
    });

    it('rejects a repository with no commits', async () => {
      const error = await usageError({ location: empty });
      expect(error.message).to.include('no commits');
      expect(error.message).to.include(empty);
    });

    it('stops with InterruptedError when the signal has already fired', async () => {
      const controller = new AbortController();
      controller.abort();
      const error = await rejectionOf(prepareSource({ location: repo }, silent, controller.signal));
      expect(error).to.be.instanceOf(InterruptedError);
    });
  });

  describe('a git URL', () => {
    it('clones a file:// URL and records the URL as location', async () => {
      const url = pathToFileURL(repo).href;
      await withSource({ location: url, ref: 'feature' }, (source) => {
        expect(source.provenance.location).to.equal(url);
        expect(source.provenance.commit?.id).to.equal(sha.feature);
        expect(existsSync(join(source.dir, 'feature.txt'))).to.equal(true);
      });
    });

    it('never shows the credentials of a URL that cannot be read', async () => {
      const error = await usageError({ location: 'https://alice:s3cr3t-t0ken@127.0.0.1:1/org/repo.git' });
      expect(error.message).to.include('https://127.0.0.1:1/org/repo.git');
      expect(error.message).not.to.include('s3cr3t-t0ken');
      expect(error.message).not.to.include('alice');
      expect(logged.join('')).not.to.include('s3cr3t-t0ken');
    });
  });

  describe('the environment of git', () => {
    const withEnv = async (vars: Record<string, string>, run: () => Promise<void>) => {
      Object.assign(process.env, vars);
      try {
        await run();
      } finally {
        for (const key of Object.keys(vars)) delete process.env[key];
      }
    };

    // Regression tests for a bug found in the source preparation (cloneRepository → git()) as committed:
    // the whole process.env was handed to simple-git's .env(), so simple-git 4 treated every
    // inherited variable as explicit and refused to run git when the environment had EDITOR,
    // VISUAL, PAGER, SSH_ASKPASS, GIT_SSH_COMMAND (even though it was in ALLOWED_GIT_ENV) or any
    // other GIT_* variable ('Use of "EDITOR" is not permitted without enabling allowUnsafeEditor').
    // `npx` and `npm run` export EDITOR=vi, so every git source failed under them. Fixed in the
    // working tree by src/git-env.ts; if these fail again, the bug is back.
    it('works with EDITOR, VISUAL and PAGER set, as under npm/npx', async () => {
      await withEnv({ EDITOR: 'vi', VISUAL: 'vi', PAGER: 'less' }, () =>
        withSource({ location: repo }, (source) => {
          expect(source.provenance.commit?.id).to.equal(sha.main);
        }),
      );
    });

    it('works with an unrelated GIT_* variable set (GIT_AUTHOR_NAME)', async () => {
      await withEnv({ GIT_AUTHOR_NAME: 'Someone' }, () =>
        withSource({ location: repo }, (source) => {
          expect(source.provenance.commit?.id).to.equal(sha.main);
          expect(source.provenance.commit?.author).to.equal('Ada Lovelace <ada@example.com>');
        }),
      );
    });

    it('works with GIT_SSH_COMMAND set (deploy keys)', async () => {
      await withEnv({ GIT_SSH_COMMAND: 'ssh -o BatchMode=yes' }, () =>
        withSource({ location: repo }, (source) => {
          expect(source.provenance.commit?.id).to.equal(sha.main);
        }),
      );
    });

    it('works with the allowed GIT_SSL_CAINFO set', async () => {
      await withEnv({ GIT_SSL_CAINFO: '/etc/ssl/certs/ca-certificates.crt' }, () =>
        withSource({ location: repo }, (source) => {
          expect(source.provenance.commit?.id).to.equal(sha.main);
        }),
      );
    });
  });

  describe('bad input', () => {
    it('rejects a nonexistent path', async () => {
      const missing = join(base, 'does-not-exist');
      const error = await usageError({ location: missing });
      expect(error.message).to.include(missing);
      expect(error.message).to.include('neither a directory nor a git URL');
    });

    it('rejects a file', async () => {
      await usageError({ location: join(plain, 'README.md') });
    });

    for (const contextDir of ['../x', '..', '/abs', '/', 'week1/../../x']) {
      it(`rejects the context dir ${contextDir} before cloning`, async () => {
        const error = await usageError({ location: repo, contextDir });
        expect(error.message).to.include(`--context-dir ${contextDir}`);
      });
    }
  });

  describe('validateContextDir', () => {
    it('normalises relative paths and treats . as the whole source', () => {
      expect(validateContextDir(undefined)).to.equal(undefined);
      expect(validateContextDir('')).to.equal(undefined);
      expect(validateContextDir('.')).to.equal(undefined);
      expect(validateContextDir('./')).to.equal(undefined);
      expect(validateContextDir('a/./b/')).to.equal('a/b');
      expect(validateContextDir('a/../b')).to.equal('b');
      expect(validateContextDir('..foo')).to.equal('..foo');
    });
  });

  describe('lastGitLine', () => {
    it("picks git's last fatal/error line, without its prefix", () => {
      expect(lastGitLine("Cloning into 'x'...\nfatal: repository 'y' not found\n")).to.equal("repository 'y' not found");
      expect(lastGitLine('error: first\nhint: something\nerror: pathspec did not match\nmore')).to.equal('pathspec did not match');
      expect(lastGitLine('just text\nlast line\n\n')).to.equal('last line');
      expect(lastGitLine('')).to.equal('git failed');
    });
  });
});
