import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { directoryMode, excludeGitDir, fileMode, packTrees, permissionBits, SourceReadError, type PackStats } from '../../../src/source/pack-trees.js';
import { readAll, readTar, rejectionOf, tempDir, type TarEntry } from '../../support/unit/helpers.js';

const UNICODE = 'café ünï.txt';
const LONG_DIR = `${'d'.repeat(60)}/${'e'.repeat(60)}`;
const LONG_FILE = `${LONG_DIR}/${'f'.repeat(80)}.txt`;

/** The files of the fixture tree: relative path → [content, mode]. */
const FILES: Record<string, [string | Buffer, number]> = {
  'exec.sh': ['#!/bin/sh\necho hi\n', 0o755],
  'with spaces.txt': ['spaces\n', 0o644],
  [UNICODE]: ['unicode ☃\n', 0o640],
  '-rf': ['not an option\n', 0o600],
  'nested/deeper/file.txt': ['deep\n', 0o644],
  'setuid-tool': ['#!/bin/sh\nid\n', 0o4755],
  'setgid-tool': ['x', 0o2775],
  '.gitignore': ['dist/\n', 0o644],
  '.github/workflow.yml': ['on: push\n', 0o644],
  'binary.bin': [Buffer.from([0, 1, 2, 255, 254, 0, 10, 13]), 0o644],
  [LONG_FILE]: ['long name\n', 0o644],
};

describe('tar packTrees', () => {
  let root: string;
  let remove: () => Promise<void>;
  let passwd: Buffer;

  before(async () => {
    ({ dir: root, remove } = await tempDir());
    await chmod(root, 0o755);
    await mkdir(join(root, 'nested', 'deeper'), { recursive: true });
    await mkdir(join(root, 'empty'));
    await mkdir(join(root, '.github'));
    await mkdir(join(root, LONG_DIR), { recursive: true });
    for (const [name, [content, mode]] of Object.entries(FILES)) {
      await writeFile(join(root, name), content);
      await chmod(join(root, name), mode);
    }
    await chmod(join(root, 'nested'), 0o755);
    await chmod(join(root, 'nested', 'deeper'), 0o700);
    await chmod(join(root, 'empty'), 0o750);
    await symlink('/etc/passwd', join(root, 'passwd-link'));
    await symlink('exec.sh', join(root, 'relative-link'));
    await mkdir(join(root, '.git', 'objects'), { recursive: true });
    await writeFile(join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(join(root, '.git', 'config'), '[core]\n\trepositoryformatversion = 0\n');
    execFileSync('mkfifo', [join(root, 'a-fifo')]);
    passwd = await readFile('/etc/passwd');
  });

  after(() => remove());

  describe('a tree with awkward entries', () => {
    let entries: TarEntry[];
    let raw: Buffer;
    let stats: PackStats;
    const skipped: [string, string][] = [];

    before(async () => {
      const pack = packTrees({
        uid: 1000,
        gid: 0,
        trees: [{ dir: root, prefix: 'src' }],
        onSkip: (path, reason) => skipped.push([path, reason]),
      });
      [{ raw, entries }, stats] = await Promise.all([readTar(pack.stream), pack.done]);
    });

    const entry = (name: string): TarEntry => {
      const found = entries.find((e) => e.name === name);
      expect(found, `entry ${name}`).not.to.equal(undefined);
      return found as TarEntry;
    };

    it('stores every entry under the prefix, the prefix directory first', () => {
      expect(entries[0]?.name).to.equal('src/');
      for (const e of entries) expect(e.name.startsWith('src/'), e.name).to.equal(true);
    });

    it('has exactly the expected entries, with their types', () => {
      const expected: Record<string, string> = {
        'src/': 'directory',
        'src/-rf': 'file',
        'src/.github/': 'directory',
        'src/.github/workflow.yml': 'file',
        'src/.gitignore': 'file',
        'src/binary.bin': 'file',
        [`src/${UNICODE}`]: 'file',
        [`src/${LONG_DIR.split('/')[0]}/`]: 'directory',
        [`src/${LONG_DIR}/`]: 'directory',
        [`src/${LONG_FILE}`]: 'file',
        'src/empty/': 'directory',
        'src/exec.sh': 'file',
        'src/nested/': 'directory',
        'src/nested/deeper/': 'directory',
        'src/nested/deeper/file.txt': 'file',
        'src/passwd-link': 'symlink',
        'src/relative-link': 'symlink',
        'src/setuid-tool': 'file',
        'src/setgid-tool': 'file',
        'src/with spaces.txt': 'file',
      };
      const actual = Object.fromEntries(entries.map((e) => [e.name, e.type]));
      expect(actual).to.deep.equal(expected);
      expect(entries.map((e) => e.name)).to.have.length(Object.keys(expected).length); // no duplicates
    });

    it('excludes the .git directory but not .gitignore or .github', () => {
      expect(entries.filter((e) => e.name.includes('.git/') || e.name.endsWith('/.git'))).to.deep.equal([]);
      entry('src/.gitignore');
      entry('src/.github/workflow.yml');
      expect(raw.includes(Buffer.from('repositoryformatversion'))).to.equal(false);
    });

    it('owns every entry by the given uid and gid, with no user or group names', () => {
      for (const e of entries) {
        expect([e.name, e.uid, e.gid, e.uname, e.gname]).to.deep.equal([e.name, 1000, 0, '', '']);
      }
    });

    it('keeps permission bits of files and directories', () => {
      expect(entry('src/').mode).to.equal(0o755);
      expect(entry('src/exec.sh').mode).to.equal(0o755);
      expect(entry('src/with spaces.txt').mode).to.equal(0o644);
      expect(entry(`src/${UNICODE}`).mode).to.equal(0o640);
      expect(entry('src/-rf').mode).to.equal(0o600);
      expect(entry('src/empty/').mode).to.equal(0o750);
      expect(entry('src/nested/').mode).to.equal(0o755);
      expect(entry('src/nested/deeper/').mode).to.equal(0o700);
    });

    it('drops the set-uid and set-gid bits', async () => {
      // The fixture really has the bits (else this test would prove nothing).
      expect((await stat(join(root, 'setuid-tool'))).mode & 0o7777).to.equal(0o4755);
      expect((await stat(join(root, 'setgid-tool'))).mode & 0o7777).to.equal(0o2775);
      expect(entry('src/setuid-tool').mode).to.equal(0o755);
      expect(entry('src/setgid-tool').mode).to.equal(0o775);
    });

    it('stores symlinks as symlinks, never following them', () => {
      const link = entry('src/passwd-link');
      expect(link.linkname).to.equal('/etc/passwd');
      expect(link.size).to.equal(0);
      expect(link.data.length).to.equal(0);
      expect(entry('src/relative-link').linkname).to.equal('exec.sh');
    });

    it('contains no bytes of the file a symlink points at', () => {
      expect(passwd.length).to.be.greaterThan(0);
      expect(raw.includes(passwd)).to.equal(false);
      const firstLine = passwd.toString('utf8').split('\n')[0] ?? '';
      expect(firstLine.length).to.be.greaterThan(0);
      expect(raw.includes(Buffer.from(firstLine))).to.equal(false);
    });

    it('stores file contents byte for byte', () => {
      for (const [name, [content]] of Object.entries(FILES)) {
        const e = entry(`src/${name}`);
        expect(e.data.equals(Buffer.from(content)), name).to.equal(true);
        expect(e.size, name).to.equal(Buffer.byteLength(content));
      }
    });

    it('skips what is not a file, directory or symlink, and says so', () => {
      expect(skipped).to.deep.equal([['a-fifo', 'not a regular file, directory or symlink']]);
      expect(entries.some((e) => e.name.includes('a-fifo'))).to.equal(false);
    });

    it('resolves done with the right counts', () => {
      const bytes = Object.values(FILES).reduce((sum, [content]) => sum + Buffer.byteLength(content), 0);
      expect(stats).to.deep.equal({
        files: Object.keys(FILES).length,
        // src/, .github/, dddd/, dddd/eeee/, empty/, nested/, nested/deeper/
        directories: 7,
        symlinks: 2,
        bytes,
      });
    });
  });

  it('gives the event loop a turn during a long walk that writes nothing (all left out), so Ctrl-C is answered', async function () {
    this.timeout(20_000); // a thousand files made and walked, slow on a loaded machine
    const { dir, remove: removeMany } = await tempDir();
    try {
      const names = Array.from({ length: 1000 }, (_, i) => `f${i}`);
      await Promise.all(names.map((name) => writeFile(join(dir, name), '')));
      let tested = 0;
      let testedWhenTheLoopTurned: number | undefined;
      const exclude = () => {
        // A macrotask queued once the walk has begun runs only when the walk yields (as a signal handler would).
        if (tested++ === 0) setImmediate(() => (testedWhenTheLoopTurned = tested));
        return true;
      };
      const pack = packTrees({ uid: 1, gid: 0, trees: [{ dir, prefix: '', exclude }] });
      const [{ entries }] = await Promise.all([readTar(pack.stream), pack.done]);
      expect(entries).to.deep.equal([]);
      expect(tested).to.equal(names.length);
      expect(testedWhenTheLoopTurned).to.be.a('number').and.below(names.length);
    } finally {
      await removeMany();
    }
  });

  it('stores files of every size byte for byte: empty, up to 64 KiB in one read, larger ones streamed', async () => {
    const sizes: Record<string, number> = { empty: 0, one: 1, '64k': 64 * 1024, '64k+1': 64 * 1024 + 1, '9m': 9 * 1024 * 1024 + 7 };
    const { dir, remove: removeSizes } = await tempDir();
    try {
      // Different bytes in every chunk, so a chunk sent twice or out of order cannot go unnoticed.
      const contents = Object.fromEntries(Object.entries(sizes).map(([name, size]) => [name, randomBytes(size)]));
      for (const [name, content] of Object.entries(contents)) await writeFile(join(dir, name), content);
      const pack = packTrees({ uid: 1000, gid: 0, trees: [{ dir, prefix: '' }] });
      const [{ entries }, stats] = await Promise.all([readTar(pack.stream), pack.done]);
      expect(entries.map((e) => e.name).sort()).to.deep.equal(Object.keys(sizes).sort());
      for (const e of entries) {
        expect(e.size, e.name).to.equal(sizes[e.name]);
        expect(e.data.equals(contents[e.name]!), e.name).to.equal(true);
      }
      expect(stats.bytes).to.equal(Object.values(sizes).reduce((a, b) => a + b, 0));
    } finally {
      await removeSizes();
    }
  });

  it('stores a tree at the top level without a prefix', async () => {
    const { dir, remove: rm } = await tempDir();
    try {
      await writeFile(join(dir, 'a.txt'), 'a');
      await mkdir(join(dir, 'sub'));
      const pack = packTrees({ uid: 1234, gid: 5, trees: [{ dir, prefix: '' }] });
      const [{ entries }, stats] = await Promise.all([readTar(pack.stream), pack.done]);
      expect(entries.map((e) => [e.name, e.type, e.uid, e.gid])).to.deep.equal([
        ['a.txt', 'file', 1234, 5],
        ['sub/', 'directory', 1234, 5],
      ]);
      expect(stats).to.deep.equal({ files: 1, directories: 1, symlinks: 0, bytes: 1 });
    } finally {
      await rm();
    }
  });

  it('honours a custom exclude', async () => {
    const { dir, remove: rm } = await tempDir();
    try {
      await writeFile(join(dir, 'keep'), 'k');
      await writeFile(join(dir, 'drop'), 'd');
      const pack = packTrees({ uid: 1, gid: 0, trees: [{ dir, prefix: 'p', exclude: (r) => r === 'drop' }] });
      const [{ entries }] = await Promise.all([readTar(pack.stream), pack.done]);
      expect(entries.map((e) => e.name)).to.deep.equal(['p/', 'p/keep']);
    } finally {
      await rm();
    }
  });

  it('decides on a name before looking at the file: an excluded file that cannot be stat-ed is no error', async () => {
    const { dir } = await tempDir();
    try {
      // 16 directories of 250 bytes leave the deepest one listable, under PATH_MAX (4096 bytes), and a
      // 250-byte name in it beyond: that file cannot be stat-ed at all (ENAMETOOLONG).
      const script = 'cd "$1" && for i in $(seq 16); do d=$(printf "d%.0s" $(seq 250)); mkdir "$d" && cd "$d"; done && touch "$(printf "f%.0s" $(seq 250))"';
      execFileSync('bash', ['-c', script, 'bash', dir]);
      const unfiltered = packTrees({ uid: 1, gid: 0, trees: [{ dir, prefix: '' }] });
      const [, error] = await Promise.all([rejectionOf(readAll(unfiltered.stream)), rejectionOf(unfiltered.done)]);
      expect((error as NodeJS.ErrnoException).code).to.equal('ENAMETOOLONG');
      const filtered = packTrees({ uid: 1, gid: 0, trees: [{ dir, prefix: '', exclude: (r) => r.endsWith('f'.repeat(250)) }] });
      const [{ entries }, stats] = await Promise.all([readTar(filtered.stream), filtered.done]);
      expect([entries.length, stats.directories, stats.files]).to.deep.equal([16, 16, 0]);
    } finally {
      // GNU rm walks a tree deeper than PATH_MAX; fs.rm cannot.
      execFileSync('rm', ['-rf', dir]);
    }
  });

  describe('single files', () => {
    it('adds { content } entries and host files, with parent directories first', async () => {
      const hostScript = join(root, 'exec.sh');
      const pack = packTrees({
        uid: 1000,
        gid: 0,
        trees: [],
        files: [
          { source: { content: 'FROM scratch\n' }, name: 'Dockerfile' },
          { source: { content: 'é' }, name: 'etc/x.conf', mode: 0o600 },
          { source: hostScript, name: 's2i/assemble', mode: 0o700 },
          { source: join(root, 'with spaces.txt'), name: 's2i/run' },
        ],
      });
      const [{ entries }, stats] = await Promise.all([readTar(pack.stream), pack.done]);
      expect(entries.map((e) => [e.name, e.type, e.mode, e.uid, e.gid])).to.deep.equal([
        ['etc/', 'directory', 0o775, 1000, 0],
        ['s2i/', 'directory', 0o775, 1000, 0],
        ['Dockerfile', 'file', 0o644, 1000, 0],
        ['etc/x.conf', 'file', 0o600, 1000, 0],
        ['s2i/assemble', 'file', 0o700, 1000, 0],
        ['s2i/run', 'file', 0o644, 1000, 0],
      ]);
      const data = Object.fromEntries(entries.map((e) => [e.name, e.data.toString('utf8')]));
      expect(data['Dockerfile']).to.equal('FROM scratch\n');
      expect(data['etc/x.conf']).to.equal('é');
      expect(data['s2i/assemble']).to.equal(FILES['exec.sh']![0]);
      expect(data['s2i/run']).to.equal('spaces\n');
      expect(stats).to.deep.equal({
        files: 4,
        directories: 2,
        symlinks: 0,
        bytes: 'FROM scratch\n'.length + 2 + Buffer.byteLength(FILES['exec.sh']![0]) + 'spaces\n'.length,
      });
    });

    it('drops set-uid bits of a host file without an explicit mode', async () => {
      const pack = packTrees({ uid: 1000, gid: 0, trees: [], files: [{ source: join(root, 'setuid-tool'), name: 'tool' }] });
      const [{ entries }] = await Promise.all([readTar(pack.stream), pack.done]);
      expect(entries.map((e) => [e.name, e.mode])).to.deep.equal([['tool', 0o755]]);
    });
  });

  describe('failures', () => {
    it('errors the stream and rejects done for a missing directory', async () => {
      const pack = packTrees({ uid: 1000, gid: 0, trees: [{ dir: join(root, 'does-not-exist'), prefix: 'src' }] });
      const [streamError, doneError] = await Promise.all([rejectionOf(readAll(pack.stream)), rejectionOf(pack.done)]);
      expect((doneError as NodeJS.ErrnoException).code).to.equal('ENOENT');
      expect(streamError).to.equal(doneError);
    });

    it('errors the stream and rejects done for a missing host file', async () => {
      const pack = packTrees({ uid: 1000, gid: 0, trees: [], files: [{ source: join(root, 'nope'), name: 'scripts/run' }] });
      const [streamError, doneError] = await Promise.all([rejectionOf(readAll(pack.stream)), rejectionOf(pack.done)]);
      expect(doneError).to.be.instanceOf(SourceReadError);
      expect((doneError as Error).message).to.match(/^cannot read .*nope: ENOENT/);
      expect((doneError as SourceReadError).exitCode).to.equal(2);
      expect(streamError).to.equal(doneError);
    });

    it('refuses a host file that is a symlink (a script must not leak the file it points at)', async () => {
      await symlink('/etc/passwd', join(root, 'linked-run'));
      const pack = packTrees({ uid: 1000, gid: 0, trees: [], files: [{ source: join(root, 'linked-run'), name: 'scripts/run' }] });
      const [streamError, doneError] = await Promise.all([rejectionOf(readAll(pack.stream)), rejectionOf(pack.done)]);
      expect((doneError as Error).message).to.match(/^cannot read .*linked-run: it is a symlink$/);
      expect(streamError).to.equal(doneError);
    });
  });

  describe('helpers', () => {
    it('excludeGitDir matches a .git at any depth and what is below it', () => {
      expect(excludeGitDir('.git')).to.equal(true);
      expect(excludeGitDir('.git/config')).to.equal(true);
      expect(excludeGitDir('.gitignore')).to.equal(false);
      expect(excludeGitDir('.github/x')).to.equal(false);
      expect(excludeGitDir('sub/.git')).to.equal(true);
      expect(excludeGitDir('sub/.git/config')).to.equal(true);
      expect(excludeGitDir('sub/.gitkeep')).to.equal(false);
    });

    it('fileMode and directoryMode always let the owner read, write (and enter)', () => {
      expect(fileMode(0o100444)).to.equal(0o644);
      expect(fileMode(0o100000)).to.equal(0o600);
      expect(fileMode(0o104755)).to.equal(0o755);
      expect(directoryMode(0o040555)).to.equal(0o755);
      expect(directoryMode(0o040000)).to.equal(0o700);
    });

    it('permissionBits keeps rwx and sticky bits only', () => {
      expect(permissionBits(0o100755)).to.equal(0o755);
      expect(permissionBits(0o4755)).to.equal(0o755);
      expect(permissionBits(0o2775)).to.equal(0o775);
      expect(permissionBits(0o41777)).to.equal(0o1777);
    });
  });
});
