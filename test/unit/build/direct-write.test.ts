import { expect } from 'chai';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignore from 'ignore';
import {
  assembledFileMode,
  checkContainer,
  DEPENDENCY_NAMES,
  directWriteDecision,
  markerText,
  packDirect,
  type DirectWriteInputs,
} from '../../../src/build/direct-write.js';
import type { ScriptLocation } from '../../../src/s2i/scripts.js';
import { compileExclude, sourceFilter } from '../../../src/source/source-filter.js';
import { FakeArchives } from '../../support/unit/fake-archives.js';
import { readTar, tempDir } from '../../support/unit/helpers.js';

const DEFAULT_ASSEMBLE: ScriptLocation = { name: 'assemble', origin: 'image', imagePath: '/usr/libexec/s2i/assemble' };
const TJS2I_BUILDER = { 'io.openshift.s2i.scripts-url': 'image:///usr/libexec/s2i', 'io.tjs2i.builder.stack': 'minimal-notebook' };
const noFilter = sourceFilter(compileExclude(undefined), undefined);

describe('direct write', () => {
  describe('assembledFileMode: cp under umask 0002 (no special bits), then g+rw and g+x where u+x', () => {
    const cases: [number, number][] = [
      [0o644, 0o664],
      [0o755, 0o775],
      [0o444, 0o664], // read-only: packed with u+rw, as the upload does
      [0o666, 0o664],
      [0o700, 0o770],
      [0o600, 0o660],
      [0o000, 0o660],
      [0o1755, 0o775], // sticky dropped by cp
      [0o4755, 0o775],
      [0o100644, 0o664], // st_mode with the file type bits
    ];
    for (const [from, to] of cases) {
      it(`${from.toString(8)} → ${to.toString(8)}`, () => expect(assembledFileMode(from)).to.equal(to));
    }
  });

  describe('packDirect', () => {
    let root: string;
    let remove: () => Promise<void>;
    const when = new Date('2024-03-04T05:06:07Z');

    before(async () => {
      ({ dir: root, remove } = await tempDir());
      await mkdir(join(root, 'lessons', 'week 1'), { recursive: true });
      await mkdir(join(root, 'empty'));
      await mkdir(join(root, '.s2i', 'bin'), { recursive: true });
      await mkdir(join(root, 'sub', '.s2i'), { recursive: true });
      await mkdir(join(root, 'build'));
      await writeFile(join(root, '.s2i', 'environment'), 'A=1\n');
      await writeFile(join(root, 'sub', '.s2i', 'kept'), 'nested .s2i is copied\n');
      await writeFile(join(root, 'lessons', 'week 1', 'intro.ipynb'), '{}');
      await writeFile(join(root, 'run.sh'), '#!/bin/sh\n');
      await chmod(join(root, 'run.sh'), 0o755);
      await writeFile(join(root, 'readonly.txt'), 'ro');
      await chmod(join(root, 'readonly.txt'), 0o444);
      await writeFile(join(root, '-odd name ☃'), 'odd');
      await writeFile(join(root, 'build', 'out.bin'), 'ignored');
      await writeFile(join(root, 'notes.tmp'), 'ignored');
      await symlink('lessons/week 1/intro.ipynb', join(root, 'link.ipynb'));
      await symlink('lessons', join(root, 'dirlink'));
    });
    after(() => remove());

    async function packed() {
      const filter = sourceFilter(compileExclude(undefined), ignore().add('build/\n*.tmp\n'));
      const pack = packDirect({ sourceDir: root, filter, uid: 1000, now: when });
      const [stats, { entries }] = await Promise.all([pack.done, readTar(pack.stream)]);
      return { stats, entries };
    }

    it('writes work/ and the pristine copy as hard links, in an order the engine can extract, then the marker', async () => {
      const { entries, stats } = await packed();
      expect(entries.map((e) => `${e.type} ${e.name}${e.linkname ? ` -> ${e.linkname}` : ''}`)).to.deep.equal([
        'directory .tjs2i/',
        'directory .tjs2i/course/',
        'file work/-odd name ☃',
        'link .tjs2i/course/-odd name ☃ -> work/-odd name ☃',
        'symlink work/dirlink -> lessons',
        'link .tjs2i/course/dirlink -> work/dirlink',
        'directory work/empty/',
        'directory .tjs2i/course/empty/',
        'directory work/lessons/',
        'directory .tjs2i/course/lessons/',
        'directory work/lessons/week 1/',
        'directory .tjs2i/course/lessons/week 1/',
        'file work/lessons/week 1/intro.ipynb',
        'link .tjs2i/course/lessons/week 1/intro.ipynb -> work/lessons/week 1/intro.ipynb',
        'symlink work/link.ipynb -> lessons/week 1/intro.ipynb',
        'link .tjs2i/course/link.ipynb -> work/link.ipynb',
        'file work/readonly.txt',
        'link .tjs2i/course/readonly.txt -> work/readonly.txt',
        'file work/run.sh',
        'link .tjs2i/course/run.sh -> work/run.sh',
        'directory work/sub/',
        'directory .tjs2i/course/sub/',
        'directory work/sub/.s2i/',
        'directory .tjs2i/course/sub/.s2i/',
        'file work/sub/.s2i/kept',
        'link .tjs2i/course/sub/.s2i/kept -> work/sub/.s2i/kept',
        'file work/.tjs2i-seeded',
      ]);
      expect(stats).to.deep.equal({ files: 5, directories: 5, symlinks: 2, bytes: 2 + 3 + 2 + 10 + 22 });
    });

    it('writes the pristine copy of a symlink as a second symlink for an engine that would follow a hard link to it (Podman)', async () => {
      const filter = sourceFilter(compileExclude(undefined), ignore().add('build/\n*.tmp\n'));
      const pack = packDirect({ sourceDir: root, filter, uid: 1000, now: when, linkSymlinks: false });
      const [stats, { entries }] = await Promise.all([pack.done, readTar(pack.stream)]);
      const course = entries.filter((e) => e.name.startsWith('.tjs2i/course/') && e.type !== 'directory');
      expect(course.map((e) => `${e.type} ${e.name} -> ${e.linkname ?? ''}`)).to.deep.equal([
        'link .tjs2i/course/-odd name ☃ -> work/-odd name ☃',
        'symlink .tjs2i/course/dirlink -> lessons',
        'link .tjs2i/course/lessons/week 1/intro.ipynb -> work/lessons/week 1/intro.ipynb',
        'symlink .tjs2i/course/link.ipynb -> lessons/week 1/intro.ipynb',
        'link .tjs2i/course/readonly.txt -> work/readonly.txt',
        'link .tjs2i/course/run.sh -> work/run.sh',
        'link .tjs2i/course/sub/.s2i/kept -> work/sub/.s2i/kept',
      ]);
      expect(entries.find((e) => e.name === '.tjs2i/course/link.ipynb')).to.deep.include({ uid: 1000, gid: 0, mode: 0o777 });
      expect(stats.symlinks).to.equal(2);
    });

    it('owns everything by the assemble uid and group 0, with the modes assemble leaves', async () => {
      const { entries } = await packed();
      for (const e of entries) expect([e.name, e.uid, e.gid]).to.deep.equal([e.name, 1000, 0]);
      const mode = (name: string) => entries.find((e) => e.name === name)?.mode;
      for (const dir of ['.tjs2i/', '.tjs2i/course/', 'work/empty/', 'work/lessons/week 1/', '.tjs2i/course/lessons/']) expect(mode(dir), dir).to.equal(0o2775);
      expect(mode('work/run.sh')).to.equal(0o775);
      expect(mode('work/readonly.txt')).to.equal(0o664);
      expect(mode('work/-odd name ☃')).to.equal(0o664);
      expect(mode('work/.tjs2i-seeded')).to.equal(0o664);
    });

    it('gives each hard link the header of its target (the engine applies it to the shared inode)', async () => {
      const { entries } = await packed();
      for (const link of entries.filter((e) => e.type === 'link')) {
        const target = entries.find((e) => e.name === link.linkname);
        expect([link.name, link.mode, link.size], link.name).to.deep.equal([link.name, target?.mode, 0]);
      }
    });

    it('leaves out only what the filter (.s2iignore, --exclude) and assemble leave out', async () => {
      const pack = packDirect({ sourceDir: root, filter: noFilter, uid: 1000, now: when });
      const { entries } = await readTar(pack.stream);
      const names = entries.map((e) => e.name);
      expect(names).to.include.members(['work/build/out.bin', 'work/notes.tmp', 'work/sub/.s2i/kept']);
      expect(names.filter((n) => n.startsWith('work/.s2i'))).to.deep.equal([]);
      expect(entries.find((e) => e.name === 'work/run.sh')?.data.toString()).to.equal('#!/bin/sh\n');
    });

    it('writes the marker with the build date', async () => {
      const { entries } = await packed();
      expect(entries.at(-1)?.data.toString()).to.equal(markerText(when));
      expect(markerText(when)).to.equal('course files of this image, copied by assemble on 2024-03-04T05:06:07Z\n');
    });
  });

  describe('directWriteDecision', () => {
    let root: string;
    let remove: () => Promise<void>;
    beforeEach(async () => {
      ({ dir: root, remove } = await tempDir());
      await writeFile(join(root, 'intro.ipynb'), '{}');
    });
    afterEach(() => remove());

    const inputs = (over: Partial<DirectWriteInputs> = {}): DirectWriteInputs => ({
      builderLabels: TJS2I_BUILDER,
      builderEnv: ['PATH=/opt/conda/bin:/usr/bin', 'NB_USER=jovyan'],
      assemble: DEFAULT_ASSEMBLE,
      env: [],
      artifacts: false,
      destination: '/tmp',
      sourceDir: root,
      filter: noFilter,
      ...over,
    });
    const reasonOf = async (over: Partial<DirectWriteInputs> = {}) => {
      const decision = await directWriteDecision(inputs(over));
      return decision.direct ? undefined : decision.reason;
    };

    it('writes directly for a plain course on a tjs2i builder, in the home of NB_USER', async () => {
      expect(await directWriteDecision(inputs())).to.deep.equal({ direct: true, home: '/home/jovyan' });
      expect(await directWriteDecision(inputs({ builderEnv: [] }))).to.deep.equal({ direct: true, home: '/home/jovyan' });
      expect(await directWriteDecision(inputs({ env: [{ name: 'NB_USER', value: 'alice' }] }))).to.deep.equal({ direct: true, home: '/home/alice' });
      expect(
        await directWriteDecision(
          inputs({
            env: [
              { name: 'COURSE', value: 'stats' },
              { name: 'LANG', value: 'C.UTF-8' },
            ],
          }),
        ),
      ).to.deep.include({ direct: true });
    });

    it('runs assemble for an assemble from the source or --scripts-url, or another builder', async () => {
      expect(await reasonOf({ assemble: { ...DEFAULT_ASSEMBLE, origin: 'source', hostPath: '/x', imagePath: '/tmp/scripts/assemble' } })).to.contain(
        'the source (.s2i/bin)',
      );
      expect(await reasonOf({ assemble: { ...DEFAULT_ASSEMBLE, origin: 'scripts-url' } })).to.contain('--scripts-url');
      expect(await reasonOf({ builderLabels: { 'io.openshift.s2i.scripts-url': 'image:///usr/libexec/s2i' } })).to.contain('not a tjs2i builder');
      expect(
        await reasonOf({
          builderLabels: { ...TJS2I_BUILDER, 'io.openshift.s2i.scripts-url': 'image:///opt/s2i' },
          assemble: { ...DEFAULT_ASSEMBLE, imagePath: '/opt/s2i/assemble' },
        }),
      ).to.contain('not a tjs2i builder');
      expect(await reasonOf({ artifacts: true })).to.contain('artifacts');
    });

    it('runs assemble (which reads /tmp/src only) for another destination', async () => {
      expect(await reasonOf({ destination: '/opt/app' })).to.equal('the destination is /opt/app, and assemble reads /tmp/src');
    });

    for (const name of DEPENDENCY_NAMES) {
      it(`runs assemble when the source has ${name}, unless .s2iignore leaves it out`, async () => {
        if (name.endsWith('binder')) await mkdir(join(root, name));
        else await writeFile(join(root, name), 'x\n');
        expect(await reasonOf()).to.contain(`the source has ${name}`);
        expect(await reasonOf({ filter: sourceFilter(undefined, ignore().add(`${name}\n`)) })).to.equal(undefined);
      });
    }

    it('runs assemble when the source has a file named like the marker', async () => {
      await writeFile(join(root, '.tjs2i-seeded'), '');
      expect(await reasonOf()).to.contain('.tjs2i-seeded');
    });

    it('runs assemble for build variables that change the shell, and an odd NB_USER', async () => {
      for (const name of ['BASH_ENV', 'ENV', 'SHELLOPTS', 'PATH', 'LD_PRELOAD', 'POSIXLY_CORRECT']) {
        expect(await reasonOf({ env: [{ name, value: '/x' }] }), name).to.contain(`build variable ${name}`);
      }
      expect(await reasonOf({ builderEnv: ['PATH=/usr/bin', 'BASH_ENV=/etc/profile'] })).to.contain('the builder sets BASH_ENV');
      expect(await reasonOf({ env: [{ name: 'NB_USER', value: '../root' }] })).to.contain('NB_USER');
    });
  });

  describe('checkContainer', () => {
    it('accepts a tjs2i builder home: set-group-ID group 0 home and empty work/, no .tjs2i', async () => {
      const archives = new FakeArchives();
      expect(await checkContainer(archives, 'c', '/home/jovyan', 1000)).to.equal(undefined);
      expect(archives.calls.map((c) => c.args.slice(1, 3))).to.deep.equal([
        ['/usr/libexec/s2i/assemble', undefined],
        ['/home/jovyan', 1],
        ['/home/jovyan/work', 2],
        ['/home/jovyan/.tjs2i', 1],
      ]);
    });

    const cases: [string, (archives: FakeArchives) => void, string, number?][] = [
      [
        'a home without set-group-ID',
        (e) => e.paths.set('/home/jovyan', [{ name: 'jovyan/', type: 'directory', mode: 0o775, uid: 1000, gid: 0 }]),
        '/home/jovyan in the builder',
      ],
      [
        'a work/ of group 100',
        (e) => e.paths.set('/home/jovyan/work', [{ name: 'work/', type: 'directory', mode: 0o2775, uid: 1000, gid: 100 }]),
        '/home/jovyan/work in the builder',
      ],
      ['no work/', (e) => e.paths.delete('/home/jovyan/work'), '/home/jovyan/work in the builder'],
      [
        'a work/ with files',
        (e) =>
          e.paths.set('/home/jovyan/work', [
            { name: 'work/', type: 'directory', mode: 0o2775, uid: 1000, gid: 0 },
            { name: 'work/x', type: 'file', mode: 0o664, uid: 1000, gid: 0 },
          ]),
        'not empty',
      ],
      [
        'a .tjs2i already',
        (e) => e.paths.set('/home/jovyan/.tjs2i', [{ name: '.tjs2i/', type: 'directory', mode: 0o2775, uid: 1000, gid: 0 }]),
        '.tjs2i exists',
      ],
      [
        'a home whose owner the engine did not tell (Podman without stat in the builder)',
        (e) => e.paths.set('/home/jovyan', [{ name: 'jovyan/', type: 'directory', mode: 0o2775, uid: undefined, gid: undefined }]),
        'the engine did not tell who owns /home/jovyan in the builder',
      ],
      ['another assemble user', () => undefined, 'owned by uid 4321', 4321],
      [
        'the assemble of another tjs2i version',
        (e) => e.files.set('/usr/libexec/s2i/assemble', '#!/bin/bash\ncp -R /tmp/src/. ~/work\n'),
        'not the one of this tjs2i',
      ],
      ['no assemble in the image', (e) => e.files.delete('/usr/libexec/s2i/assemble'), 'not the one of this tjs2i'],
    ];
    for (const [what, setup, reason, uid] of cases) {
      it(`refuses ${what}`, async () => {
        const archives = new FakeArchives();
        setup(archives);
        expect(await checkContainer(archives, 'c', '/home/jovyan', uid ?? 1000)).to.contain(reason);
      });
    }
  });
});
