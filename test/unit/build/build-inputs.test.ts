import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { artifactsArchive, readTar } from '../../../src/build/artifacts.js';
import { validateDestination } from '../../../src/build/plan-build.js';
import { assembleUserOf } from '../../../src/s2i/assemble-user.js';
import type { BuilderImage } from '../../../src/s2i/builder-image.js';
import { jsonResult } from '../../../src/cli/run-command.js';
import { dockerfileString, renderDockerfile } from '../../../src/build/as-dockerfile-text.js';
import { UsageError, UserNotAllowedError } from '../../../src/common/errors.js';
import { extractTo, targetOf } from '../../../src/build/as-dockerfile-context.js';
import { parseImageMetadata } from '../../../src/s2i/image-metadata.js';
import { outputLabels } from '../../../src/build/output-labels.js';
import { compileExclude, readS2iIgnore, sourceFilter } from '../../../src/source/source-filter.js';
import { packTrees } from '../../../src/source/pack-trees.js';
import { readAll, readTar as readArchive, rejectionOf, tempDir } from '../../support/unit/helpers.js';
import { readRawTar } from '../../support/unit/raw-tar.js';

/** Writes a file and gives its path. */
const writeTemp = async (path: string, content: Buffer) => {
  await writeFile(path, content);
  return path;
};

const builder = (over: Partial<BuilderImage> = {}): BuilderImage => ({
  name: 'b',
  id: 'sha256:b',
  platform: 'linux/amd64',
  user: '1000',
  uid: 1000,
  entrypoint: [],
  labels: {},
  destination: '/tmp',
  ...over,
});

describe('build inputs', () => {
  describe('compileExclude and sourceFilter', () => {
    it('excludes .git at any depth by default, nothing with an empty pattern', () => {
      const filter = sourceFilter(compileExclude(undefined), undefined);
      expect(['.git', 'a/.git', 'a/.git/config', 'x.ipynb', '.gitignore', 'a/.github'].map((p) => filter(p, false))).to.deep.equal([
        true,
        true,
        true,
        false,
        false,
        false,
      ]);
      expect(compileExclude('')).to.equal(undefined);
    });

    it('rejects an invalid regular expression with exit code 2', () => {
      expect(() => compileExclude('(')).to.throw(UsageError, '--exclude ( is not a valid regular expression');
    });

    it('applies .s2iignore with gitignore semantics, directories with a trailing slash', async () => {
      const { dir, remove } = await tempDir();
      try {
        await writeFile(join(dir, '.s2iignore'), '# comment\n*.log\n!keep.log\nbuild/\n/top-only.txt\n');
        const ignore = await readS2iIgnore(dir);
        expect(ignore?.count).to.equal(4);
        const filter = sourceFilter(undefined, ignore?.rules);
        expect(filter('a.log', false)).to.equal(true);
        expect(filter('sub/b.log', false)).to.equal(true);
        expect(filter('keep.log', false)).to.equal(false);
        expect(filter('build', true)).to.equal(true);
        expect(filter('build', false)).to.equal(false);
        expect(filter('top-only.txt', false)).to.equal(true);
        expect(filter('sub/top-only.txt', false)).to.equal(false);
      } finally {
        await remove();
      }
    });

    it('refuses a .s2iignore that is a symlink; no file means no rules', async () => {
      const { dir, remove } = await tempDir();
      try {
        expect(await readS2iIgnore(dir)).to.equal(undefined);
        await symlink('/etc/hostname', join(dir, '.s2iignore'));
        expect(await rejectionOf(readS2iIgnore(dir))).to.be.instanceOf(UsageError);
      } finally {
        await remove();
      }
    });
  });

  describe('parseImageMetadata', () => {
    it("reads s2i's list of one-pair objects and a plain object", () => {
      expect(parseImageMetadata('{"labels":[{"a":"1"},{"b":"2","c":3}]}')).to.deep.equal({ labels: { a: '1', b: '2', c: '3' }, problems: [] });
      expect(parseImageMetadata('{"labels":{"a":"1"}}').labels).to.deep.equal({ a: '1' });
      expect(parseImageMetadata('{}')).to.deep.equal({ labels: {}, problems: [] });
    });

    it('reports problems and keeps the good labels', () => {
      const parsed = parseImageMetadata('{"labels":[{"a":"1"},"x",{"b":{"nested":1}},{"":"v"}]}');
      expect(parsed.labels).to.deep.equal({ a: '1' });
      expect(parsed.problems).to.have.length(3);
      expect(parseImageMetadata('not json').problems[0]).to.match(/^not valid JSON/);
      expect(parseImageMetadata('[1]').problems).to.deep.equal(['expected an object with a "labels" list']);
    });
  });

  describe('outputLabels', () => {
    it('builder < metadata < -n/--description < provenance; stale build.* labels blanked; forged ones ignored', () => {
      const { labels, ignored } = outputLabels({
        builder: { keep: 'b', 'io.k8s.display-name': 'builder', 'io.openshift.s2i.build.commit.id': 'old' },
        metadata: { keep: 'm', extra: 'x', 'io.openshift.s2i.build.image': 'forged' },
        applicationName: 'App',
        provenance: { 'io.openshift.s2i.build.image': 'real' },
      });
      expect(labels).to.deep.equal({
        keep: 'm',
        extra: 'x',
        'io.k8s.display-name': 'App',
        'io.openshift.s2i.build.commit.id': '',
        'io.openshift.s2i.build.image': 'real',
      });
      expect(ignored).to.deep.equal(['io.openshift.s2i.build.image']);
    });
  });

  describe('assembleUserOf', () => {
    it('takes --assemble-user, then the label, then USER', () => {
      expect(assembleUserOf(builder(), undefined, [])).to.deep.equal({ user: '1000', uid: 1000 });
      expect(assembleUserOf(builder({ assembleUser: '4321' }), undefined, [])).to.deep.equal({ user: '4321', uid: 4321 });
      expect(assembleUserOf(builder({ assembleUser: '4321' }), '77:0', [])).to.deep.equal({ user: '77:0', uid: 77 });
    });

    it('refuses root and names (exit 5), and users outside --allowed-uids, including the image USER', () => {
      for (const flag of ['0', 'root', 'jovyan', '']) {
        expect(() => assembleUserOf(builder(), flag, []), flag).to.throw(UserNotAllowedError);
      }
      expect(() => assembleUserOf(builder(), undefined, [{ min: 1, max: 999 }])).to.throw(UserNotAllowedError, 'image USER of b');
      expect(() => assembleUserOf(builder(), '5000', [{ min: 1000, max: 2000 }])).to.throw(UserNotAllowedError, '5000');
      expect(assembleUserOf(builder(), '1500', [{ min: 1000, max: 2000 }]).uid).to.equal(1500);
    });
  });

  describe('validateDestination', () => {
    it('normalises an absolute path and refuses relative paths and /', () => {
      expect(validateDestination(undefined)).to.equal(undefined);
      expect(validateDestination('/opt/app//')).to.equal('/opt/app');
      for (const bad of ['tmp', '/', '', '/a b', '/x\nUSER 0', '/q"uote']) expect(() => validateDestination(bad), bad).to.throw(UsageError);
    });
  });

  describe('jsonResult', () => {
    it('is one line with ok:true and the result, or ok:false with the exit code', () => {
      expect(JSON.parse(jsonResult({ image: 'x' }))).to.deep.equal({ ok: true, image: 'x' });
      expect(JSON.parse(jsonResult(undefined, new UsageError('bad', 'fix it')))).to.deep.equal({ ok: false, exitCode: 2, error: 'bad', hint: 'fix it' });
      expect(JSON.parse(jsonResult(undefined, new Error('boom')))).to.deep.equal({ ok: false, exitCode: 1, error: 'boom' });
      expect(jsonResult({ a: 1 })).to.not.contain('\n');
    });
  });

  describe('renderDockerfile', () => {
    const plan = {
      builder: 'jupyter-minimal-notebook',
      assembleUser: '1000',
      assembleUid: 1000,
      imageUser: '1000',
      destination: '/tmp',
      assemble: '/usr/libexec/s2i/assemble',
      run: '/usr/libexec/s2i/run',
      uploadsScripts: false,
      env: [{ name: 'A', value: 'a "quoted" $HOME \\ value' }],
      labels: { 'io.k8s.display-name': 'Course' },
    };

    it('copies with --chown, runs assemble as the user, never as root', () => {
      expect(renderDockerfile(plan)).to.equal(
        [
          'FROM jupyter-minimal-notebook',
          'LABEL "io.k8s.display-name"="Course"',
          'ENV A="a \\"quoted\\" \\$HOME \\\\ value"',
          'COPY --chown=1000:0 ["upload/src","/tmp/src"]',
          'USER 1000',
          'RUN ["/usr/libexec/s2i/assemble"]',
          'CMD ["/usr/libexec/s2i/run"]',
          '',
        ].join('\n'),
      );
    });

    it('copies external scripts and restores the image USER when assemble ran as another', () => {
      const text = renderDockerfile({ ...plan, uploadsScripts: true, assembleUser: '4321', assembleUid: 4321, env: [], labels: {} });
      expect(text).to.contain('COPY --chown=4321:0 ["upload/scripts","/tmp/scripts"]\nUSER 4321\nRUN ["/usr/libexec/s2i/assemble"]\nUSER 1000\n');
    });

    it('refuses values with line breaks, odd builder names and non-numeric users', () => {
      expect(() => dockerfileString('a\nb', 'variable X')).to.throw(UsageError, 'variable X has a line break');
      expect(() => renderDockerfile({ ...plan, builder: 'x\nRUN id' })).to.throw(UsageError, 'invalid builder image name');
      expect(() => renderDockerfile({ ...plan, imageUser: '0\nUSER root' })).to.throw(UsageError, 'is not numeric');
    });
  });

  describe('extractTo', () => {
    it('writes directories, files with modes and symlinks from a pack', async () => {
      const { dir, remove } = await tempDir();
      try {
        await mkdir(join(dir, 'in', 'sub'), { recursive: true });
        await writeFile(join(dir, 'in', 'sub', 'a.txt'), 'hello');
        await writeFile(join(dir, 'in', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
        await symlink('sub/a.txt', join(dir, 'in', 'link'));
        await mkdir(join(dir, 'out'));
        const pack = packTrees({ uid: 1000, gid: 0, trees: [{ dir: join(dir, 'in'), prefix: 'src' }] });
        const [, stats] = await Promise.all([pack.done, extractTo(join(dir, 'out'), pack.stream)]);
        expect(stats).to.deep.equal({ files: 2, directories: 2, symlinks: 1 });
        expect(await readFile(join(dir, 'out', 'src', 'sub', 'a.txt'), 'utf8')).to.equal('hello');
        expect((await stat(join(dir, 'out', 'src', 'run.sh'))).mode & 0o777).to.equal(0o755);
        expect(await readlink(join(dir, 'out', 'src', 'link'))).to.equal('sub/a.txt');
      } finally {
        await remove();
      }
    });

    it('writes names that are not UTF-8 with their bytes, two Latin-1 names that differ in one byte as two files', async () => {
      const { dir, remove } = await tempDir();
      try {
        const latin1 = (...bytes: number[]) => Buffer.from([0x63, ...bytes, 0x2e, 0x74, 0x78, 0x74]); // "c?.txt"
        await mkdir(join(dir, 'in'));
        await writeFile(Buffer.concat([Buffer.from(`${dir}/in/`), latin1(0xe9)]), 'é');
        await writeFile(Buffer.concat([Buffer.from(`${dir}/in/`), latin1(0xe8)]), 'è');
        await symlink(latin1(0xe9), join(dir, 'in', 'link'));
        await mkdir(join(dir, 'out'));
        const pack = packTrees({ uid: 1000, gid: 0, trees: [{ dir: join(dir, 'in'), prefix: 'src' }] });
        const [, stats] = await Promise.all([pack.done, extractTo(join(dir, 'out'), pack.stream)]);
        expect(stats).to.deep.equal({ files: 2, directories: 1, symlinks: 1 });
        const names = await readdir(join(dir, 'out', 'src'), { encoding: 'buffer' });
        expect(names.map((n) => n.toString('latin1')).sort()).to.deep.equal(['c\xe8.txt', 'c\xe9.txt', 'link']);
        expect(await readFile(Buffer.concat([Buffer.from(`${dir}/out/src/`), latin1(0xe9)]), 'utf8')).to.equal('é');
        expect((await readlink(join(dir, 'out', 'src', 'link'), { encoding: 'buffer' })).equals(latin1(0xe9))).to.equal(true);
      } finally {
        await remove();
      }
    });

    it('refuses names that leave the target', () => {
      expect(() => targetOf('/x', '../etc/passwd')).to.throw(/outside/);
      expect(() => targetOf('/x', 'a/../../b')).to.throw(/outside/);
      expect(() => targetOf('/x', Buffer.from([0x2e, 0x2e, 0x2f, 0xe9]))).to.throw('refusing to write ../\\xe9 outside /x');
      expect(targetOf('/x', 'src/a').toString()).to.equal('/x/src/a');
      expect(targetOf('/x', Buffer.from([0x61, 0x2f, 0xe9, 0x2f])).equals(Buffer.from([0x2f, 0x78, 0x2f, 0x61, 0x2f, 0xe9]))).to.equal(true);
    });
  });

  describe('artifacts', () => {
    const makeTar = async (path: string, entries: { name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; body?: string; linkname?: string }[]) => {
      const pack = tar.pack();
      for (const e of entries)
        pack.entry({ name: e.name, type: e.type ?? 'file', ...(e.linkname ? { linkname: e.linkname } : {}), mode: 0o644, uid: 0, gid: 0 }, e.body ?? '');
      pack.finalize();
      const chunks: Buffer[] = [];
      for await (const chunk of pack as unknown as Readable) chunks.push(chunk as Buffer);
      await writeFile(path, Buffer.concat(chunks));
    };

    it('readTar counts entries and bytes, and fails on a stream that is not a tar', async () => {
      const { dir, remove } = await tempDir();
      try {
        await makeTar(join(dir, 'ok.tar'), [
          { name: 'cache/', type: 'directory' },
          { name: 'cache/a', body: 'abc' },
        ]);
        expect(await readTar(join(dir, 'ok.tar'))).to.deep.equal({ entries: 2, bytes: 3 });
        await writeFile(join(dir, 'bad.tar'), 'this is not a tar\n');
        expect(await rejectionOf(readTar(join(dir, 'bad.tar')))).to.be.instanceOf(Error);
        await writeFile(join(dir, 'empty.tar'), '');
        expect(await readTar(join(dir, 'empty.tar'))).to.deep.equal({ entries: 0, bytes: 0 });
      } finally {
        await remove();
      }
    });

    it('never lets a pax path or owner through, and drops hard links to what is not in the archive', async () => {
      const { dir, remove } = await tempDir();
      try {
        const pack = tar.pack();
        // The pax path wins over the name when read: the entry is cache/ok, and stays under artifacts/.
        pack.entry({ name: 'ignored-name', type: 'file', mode: 0o644, pax: { path: 'cache/ok', uid: '0' } }, 'x');
        pack.entry({ name: 'cache/link-ok', type: 'link', linkname: 'cache/ok', mode: 0o644 });
        pack.entry({ name: 'cache/link-out', type: 'link', linkname: '../src/notes', mode: 0o644 });
        pack.entry({ name: 'cache/link-missing', type: 'link', linkname: 'cache/nothing', mode: 0o644 });
        pack.finalize();
        const chunks: Buffer[] = [];
        for await (const chunk of pack as unknown as Readable) chunks.push(chunk as Buffer);
        await writeFile(join(dir, 'p.tar'), Buffer.concat(chunks));
        const { entries } = await readArchive(artifactsArchive(join(dir, 'p.tar'), 1234));
        expect(entries.map((e) => [e.name, e.type, e.uid])).to.deep.equal([
          ['artifacts/', 'directory', 1234],
          ['artifacts/cache/ok', 'file', 1234],
          ['artifacts/cache/link-ok', 'link', 1234],
        ]);
        expect(entries[2]?.linkname).to.equal('artifacts/cache/ok');
      } finally {
        await remove();
      }
    });

    it('carries only relative symlinks that stay inside, and nothing below a carried symlink or file', async () => {
      const { dir, remove } = await tempDir();
      try {
        await makeTar(join(dir, 's.tar'), [
          { name: 'a', type: 'symlink', linkname: '/usr/libexec/s2i' },
          { name: 'a/run', body: '#!/bin/sh\necho pwned\n' },
          { name: 'cache/', type: 'directory' },
          { name: 'cache/up', type: 'symlink', linkname: '../../../etc' },
          { name: 'cache/wheels', type: 'symlink', linkname: '../wheels' },
          { name: 'cache/wheels/x.whl', body: 'through the link' },
          { name: 'wheels/', type: 'directory' },
          { name: 'wheels/x.whl', body: 'wheel' },
          { name: 'wheels/x.whl/y', body: 'below a file' },
        ]);
        const { entries } = await readArchive(artifactsArchive(join(dir, 's.tar'), 1234));
        expect(entries.map((e) => e.name)).to.deep.equal([
          'artifacts/',
          'artifacts/a/run',
          'artifacts/cache/',
          'artifacts/cache/wheels',
          'artifacts/wheels/',
          'artifacts/wheels/x.whl',
        ]);
        expect(entries.find((e) => e.name === 'artifacts/cache/wheels')?.linkname).to.equal('../wheels');
      } finally {
        await remove();
      }
    });

    it('carries names and link targets that are not UTF-8 with their bytes (a GNU tar of Latin-1 names)', async () => {
      const { dir, remove } = await tempDir();
      try {
        const latin1 = Buffer.from([0x63, 0xe9]); // "cé"
        await mkdir(Buffer.concat([Buffer.from(`${dir}/saved/cache/`), latin1]), { recursive: true });
        await writeFile(Buffer.concat([Buffer.from(`${dir}/saved/cache/`), latin1, Buffer.from('/pkg')]), 'wheel');
        await symlink(latin1, join(dir, 'saved', 'cache', 'link'));
        const saved = execFileSync('tar', ['--format=gnu', '--sort=name', '-cf', '-', '-C', join(dir, 'saved'), 'cache'], {
          env: { ...process.env, LC_ALL: 'C' },
        });
        expect(await readTar(await writeTemp(join(dir, 'saved.tar'), saved))).to.deep.equal({ entries: 4, bytes: 5 });
        const entries = readRawTar(await readAll(artifactsArchive(join(dir, 'saved.tar'), 1234)));
        expect(entries.map((e) => [e.typeflag, e.name.toString('latin1'), e.linkname.toString('latin1'), e.uid, e.data.toString()])).to.deep.equal([
          ['5', 'artifacts/', '', 1234, ''],
          ['5', 'artifacts/cache/', '', 1234, ''],
          ['5', 'artifacts/cache/c\xe9/', '', 1234, ''],
          ['0', 'artifacts/cache/c\xe9/pkg', '', 1234, 'wheel'],
          ['2', 'artifacts/cache/link', 'c\xe9', 1234, ''],
        ]);
      } finally {
        await remove();
      }
    });

    it('keeps hard links, makes one to a symlink a second symlink for an engine that would follow it (Podman), and drops one that would lead out', async () => {
      const { dir, remove } = await tempDir();
      try {
        await makeTar(join(dir, 'l.tar'), [
          { name: 'cache/', type: 'directory' },
          { name: 'cache/pkg.whl', body: 'wheel' },
          { name: 'cache/link', type: 'symlink', linkname: 'pkg.whl' },
          { name: 'cache/hard', type: 'link', linkname: 'cache/pkg.whl' },
          { name: 'cache/hard-to-link', type: 'link', linkname: 'cache/link' },
          { name: 'cache/again', type: 'link', linkname: 'cache/hard-to-link' },
          // ../../x from cache/deep/ stays inside artifacts/; from cache/ it would leave it.
          { name: 'cache/deep/', type: 'directory' },
          { name: 'cache/deep/up', type: 'symlink', linkname: '../../x' },
          { name: 'cache/escape', type: 'link', linkname: 'cache/deep/up' },
          { name: 'cache/deep/again', type: 'link', linkname: 'cache/deep/up' },
        ]);
        const listed = async (linkSymlinks: boolean) =>
          (await readArchive(artifactsArchive(join(dir, 'l.tar'), 1234, linkSymlinks))).entries
            .slice(3)
            .map((e) => `${e.type} ${e.name} -> ${e.linkname ?? ''}`);
        expect(await listed(true)).to.deep.equal([
          'symlink artifacts/cache/link -> pkg.whl',
          'link artifacts/cache/hard -> artifacts/cache/pkg.whl',
          'link artifacts/cache/hard-to-link -> artifacts/cache/link',
          'link artifacts/cache/again -> artifacts/cache/hard-to-link',
          'directory artifacts/cache/deep/ -> ',
          'symlink artifacts/cache/deep/up -> ../../x',
          'link artifacts/cache/deep/again -> artifacts/cache/deep/up',
        ]);
        expect(await listed(false)).to.deep.equal([
          'symlink artifacts/cache/link -> pkg.whl',
          'link artifacts/cache/hard -> artifacts/cache/pkg.whl',
          'symlink artifacts/cache/hard-to-link -> pkg.whl',
          'symlink artifacts/cache/again -> pkg.whl',
          'directory artifacts/cache/deep/ -> ',
          'symlink artifacts/cache/deep/up -> ../../x',
          'symlink artifacts/cache/deep/again -> ../../x',
        ]);
      } finally {
        await remove();
      }
    });

    it('moves entries under artifacts/, owned by the build user and group 0, dropping unsafe names', async () => {
      const { dir, remove } = await tempDir();
      try {
        await makeTar(join(dir, 'a.tar'), [
          { name: './cache/', type: 'directory' },
          { name: './cache/pkg.whl', body: 'wheel' },
          { name: '../escape', body: 'x' },
          { name: 'cache/link', type: 'symlink', linkname: 'pkg.whl' },
        ]);
        const { entries } = await readArchive(artifactsArchive(join(dir, 'a.tar'), 1234));
        expect(entries.map((e) => [e.name, e.uid, e.gid])).to.deep.equal([
          ['artifacts/', 1234, 0],
          ['artifacts/cache/', 1234, 0],
          ['artifacts/cache/pkg.whl', 1234, 0],
          ['artifacts/cache/link', 1234, 0],
        ]);
        expect(entries[2]?.data.toString()).to.equal('wheel');
        expect(entries[3]?.linkname).to.equal('pkg.whl');
      } finally {
        await remove();
      }
    });
  });
});
