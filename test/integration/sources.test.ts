import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { docker, imageExists, leftoverContainers, tempDir, testBuilder, tjs2i, uniqueName } from '../support/integration/helpers.js';

/** What a source on the build machine can and cannot put into an image. */
describe('sources on the build machine (real engine)', function () {
  this.timeout(300_000);
  let builder: string;
  let secretDir: { path: string; remove: () => Promise<void> };
  let secret: string;
  const secretFile = () => join(secretDir.path, 'host-secret.txt');

  before(async () => {
    builder = await testBuilder();
    secretDir = await tempDir('host');
    secret = `HOST-SECRET-${randomBytes(12).toString('hex')}`;
    await writeFile(secretFile(), `${secret}\n`);
  });

  after(async () => secretDir?.remove());

  const inImage = (image: string, script: string) => docker('run', '--rm', '--label', 'io.tjs2i.test=1', '--entrypoint', 'bash', image, '-c', script);

  it('keeps symlinks as symlinks: a link to a host file does not bring its contents', async () => {
    const source = await tempDir('symlinks');
    try {
      await writeFile(join(source.path, 'notes.ipynb'), '{}');
      await symlink(secretFile(), join(source.path, 'leak.txt'));
      await symlink('notes.ipynb', join(source.path, 'alias.ipynb'));
      const output = uniqueName('symlinks');
      const result = await tjs2i(['build', source.path, builder, output]);
      expect(result.code, result.stderr).to.equal(0);
      const seen = await inImage(output, 'cd /home/jovyan/work; readlink leak.txt; readlink alias.ipynb; grep -r HOST-SECRET . /tmp || echo no-secret');
      expect(seen.split('\n')).to.deep.equal([secretFile(), 'notes.ipynb', 'no-secret']);
    } finally {
      await source.remove();
    }
  });

  it('refuses a .s2i/bin script that is a symlink (it would read a host file)', async () => {
    const source = await tempDir('script-link');
    try {
      await mkdir(join(source.path, '.s2i', 'bin'), { recursive: true });
      await symlink(secretFile(), join(source.path, '.s2i', 'bin', 'run'));
      await writeFile(join(source.path, 'notes.ipynb'), '{}');
      const output = uniqueName('script-link');
      const result = await tjs2i(['build', source.path, builder, output]);
      expect(result.code).to.equal(2);
      expect(result.stderr.trim().split('\n').pop()).to.equal(
        'error: .s2i/bin/run in the source is not a regular file inside the source; make .s2i/bin a plain directory holding plain executable files, not symlinks',
      );
      expect(result.stderr).to.not.contain(secret);
      expect(await imageExists(output)).to.equal(false);
      expect(await leftoverContainers()).to.deep.equal([]);
    } finally {
      await source.remove();
    }
  });

  it('refuses a --context-dir that is a symlink out of the source', async () => {
    const source = await tempDir('context-link');
    try {
      await symlink(secretDir.path, join(source.path, 'week-1'));
      const result = await tjs2i(['build', source.path, builder, uniqueName('context-link'), '--context-dir', 'week-1']);
      expect(result.code).to.equal(2);
      expect(result.stderr.trim().split('\n').pop()).to.match(/^error: context dir week-1 leads out of the source/);
    } finally {
      await source.remove();
    }
  });

  it('copies odd names, empty and read-only directories and executable bits; never a nested .git', async () => {
    const source = await tempDir('odd');
    try {
      const names = ['with space.ipynb', 'café ünïcode.ipynb', '-leading-dash.ipynb'];
      for (const name of names) await writeFile(join(source.path, name), '{}');
      await mkdir(join(source.path, 'empty-dir'));
      await mkdir(join(source.path, 'read-only'));
      await writeFile(join(source.path, 'read-only', 'frozen.csv'), 'a,b\n');
      await chmod(join(source.path, 'read-only', 'frozen.csv'), 0o444);
      await chmod(join(source.path, 'read-only'), 0o555);
      await writeFile(join(source.path, 'tool.sh'), '#!/bin/sh\necho tool ran\n');
      await chmod(join(source.path, 'tool.sh'), 0o755);
      await mkdir(join(source.path, 'vendored', '.git'), { recursive: true });
      await writeFile(join(source.path, 'vendored', '.git', 'config'), '[remote "origin"]\n');
      await writeFile(join(source.path, 'vendored', 'lib.py'), 'x = 1\n');
      const output = uniqueName('odd');
      const result = await tjs2i(['build', source.path, builder, output]);
      await chmod(join(source.path, 'read-only'), 0o755);
      expect(result.code, result.stderr).to.equal(0);
      const seen = await inImage(
        output,
        'cd /home/jovyan/work && find . -mindepth 1 ! -name .tjs2i-seeded | LC_ALL=C sort && ./tool.sh && stat -c "%A %g" read-only read-only/frozen.csv && test ! -e /tmp/src && echo clean',
      );
      expect(seen.split('\n')).to.deep.equal([
        './-leading-dash.ipynb',
        './café ünïcode.ipynb',
        './empty-dir',
        './read-only',
        './read-only/frozen.csv',
        './tool.sh',
        './vendored',
        './vendored/lib.py',
        './with space.ipynb',
        'tool ran',
        'drwxrwsr-x 0',
        '-rw-rw-r-- 0',
        'clean',
      ]);
    } finally {
      await chmod(join(source.path, 'read-only'), 0o755).catch(() => undefined);
      await source.remove();
    }
  });
});
