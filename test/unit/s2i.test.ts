import { expect } from 'chai';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { DEFAULT_DESTINATION, findScript, imageScriptsDir, Label, provenanceLabels } from '../../src/s2i.js';
import { rejectionOf, tempDir } from './helpers.js';

describe('s2i', () => {
  describe('imageScriptsDir', () => {
    it('returns the absolute path of an image:// URL', () => {
      expect(imageScriptsDir('image:///usr/libexec/s2i')).to.equal('/usr/libexec/s2i');
      expect(imageScriptsDir(' image:///usr/libexec/s2i// ')).to.equal('/usr/libexec/s2i');
      expect(imageScriptsDir('image:///')).to.equal('/');
    });

    for (const url of ['http://example.com/scripts', 'https://example.com/s2i', 'image://usr/libexec/s2i', 'image://', 'usr/libexec/s2i', '/usr/libexec/s2i', 'file:///usr/libexec/s2i']) {
      it(`rejects ${url}`, () => {
        expect(() => imageScriptsDir(url)).to.throw(UsageError, `unsupported scripts location ${url}`);
      });
    }
  });

  describe('findScript', () => {
    let dir: string;
    let remove: () => Promise<void>;
    beforeEach(async () => ({ dir, remove } = await tempDir()));
    afterEach(() => remove());

    const addSourceScript = async (name: string) => {
      await mkdir(join(dir, '.s2i', 'bin'), { recursive: true });
      await writeFile(join(dir, '.s2i', 'bin', name), '#!/bin/sh\necho custom\n');
      await chmod(join(dir, '.s2i', 'bin', name), 0o755);
    };

    it('refuses a source script that is a symlink (it could point at any file of the build machine)', async () => {
      await mkdir(join(dir, '.s2i', 'bin'), { recursive: true });
      await symlink('/etc/passwd', join(dir, '.s2i', 'bin', 'run'));
      const error = await rejectionOf(findScript('run', dir, 'image:///usr/libexec/s2i'));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.equal('.s2i/bin/run in the source is not a regular file');
    });

    it('prefers the source .s2i/bin/<name>, placed under <destination>/scripts', async () => {
      await addSourceScript('assemble');
      const found = await findScript('assemble', dir, 'image:///usr/libexec/s2i', '/opt/app-root');
      expect(found).to.deep.equal({
        name: 'assemble',
        origin: 'source',
        hostPath: join(dir, '.s2i', 'bin', 'assemble'),
        imagePath: '/opt/app-root/scripts/assemble',
      });
    });

    it('uses /tmp/scripts by default for a source script', async () => {
      await addSourceScript('run');
      const found = await findScript('run', dir, undefined);
      expect(found.origin).to.equal('source');
      expect(found.imagePath).to.equal(`${DEFAULT_DESTINATION}/scripts/run`);
      expect(DEFAULT_DESTINATION).to.equal('/tmp');
    });

    it('falls back to the builder scripts URL, used in place', async () => {
      await addSourceScript('run'); // only run in the source: assemble comes from the image
      const found = await findScript('assemble', dir, 'image:///usr/libexec/s2i', '/tmp');
      expect(found).to.deep.equal({ name: 'assemble', origin: 'image', imagePath: '/usr/libexec/s2i/assemble' });
    });

    it('throws a UsageError naming both places when there is no script', async () => {
      const error = await rejectionOf(findScript('assemble', dir, undefined));
      expect(error).to.be.instanceOf(UsageError);
      const message = (error as Error).message;
      expect(message).to.include('no assemble script found');
      expect(message).to.include('.s2i/bin/assemble in the source');
      expect(message).to.include(Label.scriptsUrl);
      expect((error as UsageError).exitCode).to.equal(2);
    });

    it('rejects an unsupported scripts URL when the source has no script', async () => {
      const error = await rejectionOf(findScript('run', dir, 'http://example.com/s2i'));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.include('unsupported scripts location');
    });
  });

  describe('provenanceLabels', () => {
    it('records builder and location only for a plain directory', () => {
      expect(provenanceLabels('jupyter-minimal-notebook', { location: '/home/me/course' })).to.deep.equal({
        'io.openshift.s2i.build.image': 'jupyter-minimal-notebook',
        'io.openshift.s2i.build.source-location': '/home/me/course',
      });
    });

    it('records context dir and commit, with only the first line of the message', () => {
      const labels = provenanceLabels('b', {
        location: 'https://github.com/org/course',
        contextDir: 'week1',
        commit: {
          id: 'a'.repeat(40),
          ref: 'main',
          author: 'Ada <ada@example.com>',
          date: '2024-05-01T10:00:00+02:00',
          message: 'Add week 1\n\nLong description\nmore',
        },
      });
      expect(labels).to.deep.equal({
        'io.openshift.s2i.build.image': 'b',
        'io.openshift.s2i.build.source-location': 'https://github.com/org/course',
        'io.openshift.s2i.build.source-context-dir': 'week1',
        'io.openshift.s2i.build.commit.id': 'a'.repeat(40),
        'io.openshift.s2i.build.commit.ref': 'main',
        'io.openshift.s2i.build.commit.author': 'Ada <ada@example.com>',
        'io.openshift.s2i.build.commit.date': '2024-05-01T10:00:00+02:00',
        'io.openshift.s2i.build.commit.message': 'Add week 1',
      });
    });

    it('has a commit but no context-dir label when there is no context dir', () => {
      const labels = provenanceLabels('b', {
        location: '/x',
        commit: { id: 'f00d', ref: 'v1', author: 'a <a@b>', date: 'd', message: 'one line' },
      });
      expect(labels).not.to.have.property(Label.contextDir);
      expect(labels[Label.commitMessage]).to.equal('one line');
      expect(labels[Label.commitRef]).to.equal('v1');
    });
  });
});
