/**
 * Direct write: on a tjs2i builder, a course without dependency files is written into the build
 * container without running assemble. The result must be what assemble makes: the same course is
 * built both ways (direct, and through assemble with --scripts-url image:///usr/libexec/s2i) and the
 * full listings of /home/jovyan are compared; the direct image then runs under a random UID.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { notebook, writeTree } from '../support/integration/course-fixtures.js';
import { docker, exec, inspectImage, randomUid, tempDir, tjs2i, uniqueName } from '../support/integration/helpers.js';
import { familyBuilder, forEachFamily } from '../support/integration/families.js';
import { emptyNotebook, JupyterClient, runJupyter, tokenOf, waitForJupyter } from '../support/integration/jupyter.js';
import { ON_PODMAN, onPodman } from '../support/integration/engines.js';

const HOME = '/home/jovyan';
const DIRECT_LINE = 'assemble: tjs2i default, written directly (no dependency files)';
/** Every entry of the home: type, mode, owner, group, size, link target, hard links, path; then file digests. */
const LISTING =
  `cd ${HOME} && find . -printf '%y %m %u %g %s %l %n %P\\n' | LC_ALL=C sort && ` + `find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum`;

/**
 * On Podman, the pristine copy of a symlink is a second symlink, not a hard link to it (its archive
 * API would link the symlink's target: ArchiveClient.linksSymlinks): symlinks' link counts are 1
 * there and are left out of the comparison, the rest must match.
 */
function symlinkLinkCounts(text: string): string {
  if (!ON_PODMAN) return text;
  return text
    .split('\n')
    .map((l) => (l.startsWith('l ') ? l.replace(/ [12] ((?:work|\.tjs2i\/course)\/[^/].*)$/, ' n $1') : l))
    .join('\n');
}

const listing = (image: string) => docker('run', '--rm', '--label', 'io.tjs2i.test=1', '--entrypoint', 'bash', image, '-c', LISTING);

describe('direct write: the same image as assemble makes, without running it (real engine, real Jupyter)', function () {
  this.timeout(600_000);
  forEachFamily((family) => {
    let builder: string;
    const images: string[] = [];
    let direct: string;
    let assembled: string;
    let directLog: string;
    let assembledLog: string;

    before(async () => {
      builder = await familyBuilder(family);
      const dir = await tempDir('direct');
      try {
        const src = dir.path;
        await writeTree(src, {
          '01-intro.ipynb': notebook('Introduction'),
          'lessons/week 1/deep/02-data.ipynb': notebook('Data'),
          'run-me.sh': { content: '#!/bin/sh\necho hi\n', mode: 0o755 },
          'private.sh': { content: '#!/bin/sh\n', mode: 0o700 },
          'readonly.txt': { content: 'do not edit\n', mode: 0o444 },
          'world-writable.txt': { content: 'ww\n', mode: 0o666 },
          "-odd name ☃ \\ 'quoted' $x.txt": 'odd\n',
          '.hidden/config': 'x=1\n',
          '.s2i/environment': 'FROM_S2I=1\n',
          'sub/.s2i/kept': 'a nested .s2i is course content\n',
          'build/out.o': 'left out by .s2iignore\n',
          'scratch.tmp': 'left out by .s2iignore\n',
          '.s2iignore': 'build/\n*.tmp\n',
          'data/blob.bin': randomBytes(100_000),
        });
        await mkdir(join(src, 'empty', 'inner'), { recursive: true });
        await symlink('lessons/week 1/deep/02-data.ipynb', join(src, 'shortcut.ipynb'));
        await symlink('lessons', join(src, 'lessons-link'));
        await symlink('/etc/hostname', join(src, 'absolute-link'));
        await symlink('nowhere', join(src, 'dangling'));
        await chmod(join(src, 'empty'), 0o1777);
        direct = uniqueName('direct');
        assembled = uniqueName('assembled');
        images.push(direct, assembled);
        const a = await tjs2i(['build', src, builder, direct, '--copy', '-e', 'COURSE=stats']);
        expect(a.code, a.stderr).to.equal(0);
        const b = await tjs2i(['build', src, builder, assembled, '--copy', '-e', 'COURSE=stats', '--scripts-url', 'image:///usr/libexec/s2i']);
        expect(b.code, b.stderr).to.equal(0);
        directLog = a.stderr;
        assembledLog = b.stderr;
      } finally {
        await dir.remove();
      }
    });

    after(async () => {
      for (const image of images) await exec('docker', ['rmi', '-f', image]);
    });

    it(onPodman('says which path it took: written directly, or assemble run (and why)'), () => {
      expect(directLog).to.contain(`${DIRECT_LINE}\n`).and.contain('<== write done in').and.not.contain('==> assemble');
      expect(assembledLog).to.contain('run in the build container: the assemble script comes from --scripts-url').and.contain('---> Copying the course files');
    });

    it(onPodman('writes exactly what assemble writes: types, modes, owners, sizes, link targets, hard links and contents'), async () => {
      const [a, b] = await Promise.all([listing(direct), listing(assembled)].map(async (l) => symlinkLinkCounts(await l)));
      // The marker holds the build's date: same size, its own digest.
      const withoutMarkerDigest = (text: string) => text.split('\n').filter((l) => !/^[0-9a-f]{64} {2}\.\/work\/\.tjs2i-seeded$/.test(l));
      expect(withoutMarkerDigest(a)).to.deep.equal(withoutMarkerDigest(b));
      const lines = a.split('\n');
      // The listing covers what the course has (so the comparison means something).
      for (const expected of [
        'd 2775 1000 0 4096  3 work/empty',
        'f 775 1000 0 18  2 work/run-me.sh',
        'f 770 1000 0 10  2 work/private.sh',
        'f 664 1000 0 12  2 work/readonly.txt',
        'f 664 1000 0 3  2 .tjs2i/course/world-writable.txt',
        `l 777 1000 0 33 lessons/week 1/deep/02-data.ipynb ${ON_PODMAN ? 'n' : 2} work/shortcut.ipynb`,
        `l 777 1000 0 7 nowhere ${ON_PODMAN ? 'n' : 2} .tjs2i/course/dangling`,
        "f 664 1000 0 4  2 work/-odd name ☃ \\ 'quoted' $x.txt",
        'f 664 1000 0 32  2 work/sub/.s2i/kept',
        'f 664 1000 0 71  1 work/.tjs2i-seeded',
      ]) {
        expect(
          lines.map((l) => l.replace(/ jovyan /, ' 1000 ').replace(/ root /, ' 0 ')),
          expected,
        ).to.include(expected);
      }
      expect(a)
        .to.not.match(/ work\/\.s2i\b/)
        .and.not.contain('work/build')
        .and.not.contain('scratch.tmp');
    });

    it('commits the build environment into the image and starts no process (no /tmp/src, no .s2i metadata)', async () => {
      const image = await inspectImage(direct);
      expect(image.Config.Env).to.include('COURSE=stats').and.include('FROM_S2I=1');
      expect(image.Config.Cmd).to.deep.equal(['/usr/libexec/s2i/run']);
      expect(await docker('run', '--rm', '--label', 'io.tjs2i.test=1', '--entrypoint', 'bash', direct, '-c', 'ls -A /tmp | wc -l')).to.equal('0');
    });

    it(onPodman('runs under a random UID: Jupyter serves the notebooks, the files are writable'), async () => {
      const jupyter = await runJupyter(direct, { user: `${randomUid()}:0` });
      try {
        await waitForJupyter(jupyter);
        const client = new JupyterClient(jupyter.base, await tokenOf(jupyter));
        expect(await client.listWork()).to.include.members(['01-intro.ipynb', 'lessons', 'shortcut.ipynb', 'readonly.txt']);
        const nb = await client.request('GET', '/api/contents/work/lessons/week%201/deep/02-data.ipynb?content=1');
        expect(nb.status).to.equal(200);
        expect(JSON.stringify(await nb.json())).to.contain('# Data');
        expect((await client.request('PUT', '/api/contents/work/01-intro.ipynb', emptyNotebook)).status).to.equal(200);
        expect((await client.request('PUT', '/api/contents/work/lessons/week%201/new.ipynb', emptyNotebook)).status).to.equal(201);
        expect(await jupyter.exec(`echo more >> ${HOME}/work/readonly.txt && echo written`)).to.equal('written');
      } finally {
        await jupyter.stop();
      }
    });

    it('seeds an empty volume on work/ from the pristine copy', async () => {
      const volume = uniqueName('directwork');
      await docker('volume', 'create', '--label', 'io.tjs2i.test=1', volume);
      const mount = `type=volume,src=${volume},dst=${HOME}/work,volume-nocopy`;
      try {
        await docker(
          'run',
          '--rm',
          '--label',
          'io.tjs2i.test=1',
          '--user',
          '0:0',
          '--mount',
          mount,
          '--entrypoint',
          'bash',
          direct,
          '-c',
          `chgrp 0 ${HOME}/work && chmod 2775 ${HOME}/work`,
        );
        const jupyter = await runJupyter(direct, { user: `${randomUid()}:0`, mounts: [mount] });
        try {
          await waitForJupyter(jupyter);
          expect(await jupyter.logs()).to.match(/run: seeded \/home\/jovyan\/work from the image: copied \d+ \(.*01-intro\.ipynb.*\), kept 0 existing/);
          const client = new JupyterClient(jupyter.base, await tokenOf(jupyter));
          expect(await client.listWork()).to.include.members(['01-intro.ipynb', 'lessons', 'empty', 'run-me.sh']);
          expect(await jupyter.exec(`cd ${HOME}/work && stat -c '%a %g' run-me.sh lessons && readlink shortcut.ipynb`)).to.equal(
            '775 0\n2775 0\nlessons/week 1/deep/02-data.ipynb',
          );
        } finally {
          await jupyter.stop();
        }
      } finally {
        await exec('docker', ['volume', 'rm', '-f', volume]);
      }
    });

    it('a 10 MB course: the output layer is within 2 % of the source bytes (the pristine copy costs nothing)', async () => {
      const dir = await tempDir('direct10mb');
      try {
        const files: Record<string, Buffer | string> = {};
        let bytes = 0;
        for (let i = 0; i < 40; i++) {
          const nb = notebook(`Lesson ${i} ${'x'.repeat(20_000)}`);
          files[`lessons/${String(i).padStart(2, '0')}.ipynb`] = nb;
          bytes += Buffer.byteLength(nb);
        }
        for (let i = 0; i < 4; i++) {
          const data = randomBytes(2_300_000);
          files[`data/part-${i}.bin`] = data;
          bytes += data.length;
        }
        await writeTree(dir.path, files);
        const image = uniqueName('direct10mb');
        images.push(image);
        const result = await tjs2i(['build', dir.path, builder, image]);
        expect(result.code, result.stderr).to.equal(0);
        expect(result.stderr).to.contain(DIRECT_LINE);
        const top = Number((await docker('history', '--no-trunc', '--human=false', '--format', '{{.Size}}', image)).split('\n')[0]);
        expect(bytes).to.be.above(10_000_000);
        expect(top).to.be.at.least(bytes);
        expect(top).to.be.at.most(bytes * 1.02);
      } finally {
        await dir.remove();
      }
    });

    it("remembers that the builder's home passed its check: the next build skips the check and writes the same files", async () => {
      const cache = await tempDir('checkcache');
      const dir = await tempDir('directcache');
      try {
        await writeTree(dir.path, { 'a.ipynb': notebook('A'), 'data/b.csv': 'x,y\n1,2\n' });
        const CHECKED_BEFORE = "debug: the builder's home passed the direct write's check before (image ";
        const run = async (cacheDir: string) => {
          const image = uniqueName('directcache');
          images.push(image);
          const result = await tjs2i(['build', dir.path, builder, image, '--copy', '--loglevel', '3'], { TJS2I_CACHE_DIR: cacheDir });
          expect(result.code, result.stderr).to.equal(0);
          expect(result.stderr).to.contain(`${DIRECT_LINE}\n`);
          return { image, stderr: result.stderr };
        };
        const first = await run(cache.path);
        expect(first.stderr).to.not.contain(CHECKED_BEFORE);
        expect(await readdir(join(cache.path, 'checks'))).to.have.length(1);
        const second = await run(cache.path);
        expect(second.stderr).to.contain(CHECKED_BEFORE);
        const off = await run('');
        expect(off.stderr, 'TJS2I_CACHE_DIR= turns the cache off').to.not.contain(CHECKED_BEFORE);
        const withoutMarker = (text: string) => text.split('\n').filter((l) => !l.endsWith('work/.tjs2i-seeded'));
        const [a, b] = await Promise.all([listing(first.image), listing(second.image)]);
        expect(withoutMarker(b)).to.deep.equal(withoutMarker(a));
      } finally {
        await dir.remove();
        await cache.remove();
      }
    });

    it('a course with requirements.txt goes through assemble, and says so', async () => {
      const dir = await tempDir('directdeps');
      try {
        await writeTree(dir.path, { 'a.ipynb': notebook('A'), 'requirements.txt': '# nothing to install\n' });
        const image = uniqueName('directdeps');
        images.push(image);
        const result = await tjs2i(['build', dir.path, builder, image]);
        expect(result.code, result.stderr).to.equal(0);
        expect(result.stderr).to.contain('run in the build container: the source has requirements.txt (assemble installs dependencies)');
        expect(result.stderr).to.contain('<== assemble done in');
      } finally {
        await dir.remove();
      }
    });
  });
});
