import { expect } from 'chai';
import { checkBuilderUser, inspectBuilder, parseNumericUser } from '../../../src/s2i/builder-image.js';
import { ExitCode, ImageNotFoundError, UserNotAllowedError } from '../../../src/common/errors.js';
import { FakeImages, imageInfo } from '../../support/unit/fake-images.js';
import { rejectionOf } from '../../support/unit/helpers.js';

function userError(run: () => unknown): UserNotAllowedError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(UserNotAllowedError);
    return error as UserNotAllowedError;
  }
  throw new Error('expected a UserNotAllowedError');
}

describe('builder-image', () => {
  describe('parseNumericUser', () => {
    it('parses uid and uid:gid', () => {
      expect(parseNumericUser('1000')).to.deep.equal({ uid: 1000 });
      expect(parseNumericUser('1000:0')).to.deep.equal({ uid: 1000, gid: 0 });
      expect(parseNumericUser(' 1001:100 ')).to.deep.equal({ uid: 1001, gid: 100 });
      expect(parseNumericUser('0')).to.deep.equal({ uid: 0 });
    });
    it('returns undefined for names, empty and mixed values', () => {
      for (const user of ['', '  ', 'jovyan', 'jovyan:users', '1000:users', 'jovyan:0', '-1', '10 00', '1000:']) {
        expect(parseNumericUser(user), JSON.stringify(user)).to.equal(undefined);
      }
    });
  });

  describe('checkBuilderUser', () => {
    it('accepts a numeric non-root user and returns its uid', () => {
      expect(checkBuilderUser('b', '1000')).to.equal(1000);
      expect(checkBuilderUser('b', '1000:0')).to.equal(1000);
    });

    it('rejects a named USER with exit code 5', () => {
      const error = userError(() => checkBuilderUser('quay.io/jupyter/minimal-notebook', 'jovyan'));
      expect(error.exitCode).to.equal(5);
      expect(error.exitCode).to.equal(ExitCode.userNotAllowed);
      expect(error.message).to.include('quay.io/jupyter/minimal-notebook');
      expect(error.message).to.include('a name (jovyan)');
      expect(error.hint).to.be.a('string').and.not.equal('');
    });

    it('rejects an empty USER (root) with exit code 5', () => {
      const error = userError(() => checkBuilderUser('img', ''));
      expect(error.exitCode).to.equal(5);
      expect(error.message).to.include('empty (root)');
    });

    for (const user of ['0', '0:0', '0:1000']) {
      it(`rejects root USER ${user} with exit code 5`, () => {
        const error = userError(() => checkBuilderUser('img', user));
        expect(error.exitCode).to.equal(5);
        expect(error.message).to.include('runs as root');
        expect(error.message).to.include(`USER ${user}`);
      });
    }
  });

  describe('inspectBuilder', () => {
    it('throws ImageNotFoundError (exit code 4) for a missing image', async () => {
      const images = new FakeImages();
      const error = await rejectionOf(inspectBuilder(images, 'missing:latest'));
      expect(error).to.be.instanceOf(ImageNotFoundError);
      expect((error as ImageNotFoundError).exitCode).to.equal(4);
      expect((error as ImageNotFoundError).image).to.equal('missing:latest');
      expect((error as Error).message).to.equal('image missing:latest not found');
      expect(images.methods()).to.deep.equal(['inspectImage']);
    });

    it('reads user, uid, entrypoint, scripts URL and destination from the image', async () => {
      const images = new FakeImages();
      const labels = { 'io.openshift.s2i.scripts-url': 'image:///usr/libexec/s2i', 'io.openshift.s2i.destination': '/opt/app', other: 'x' };
      images.local.set('b:1', imageInfo({ id: 'sha256:b1', user: ' 1000:0 ', entrypoint: ['tini', '--'], labels, platform: 'linux/arm64/v8' }));
      const controller = new AbortController();
      const builder = await inspectBuilder(images, 'b:1', controller.signal);
      expect(builder).to.deep.equal({
        name: 'b:1',
        id: 'sha256:b1',
        platform: 'linux/arm64/v8',
        user: '1000:0',
        uid: 1000,
        entrypoint: ['tini', '--'],
        labels,
        scriptsUrl: 'image:///usr/libexec/s2i',
        destination: '/opt/app',
      });
      expect(images.calls[0]?.args).to.deep.equal(['b:1', controller.signal]);
    });

    it('defaults destination to /tmp, entrypoint to [] and leaves scriptsUrl out', async () => {
      const images = new FakeImages();
      images.local.set('b', imageInfo({ user: '1000', entrypoint: null, labels: {} }));
      const builder = await inspectBuilder(images, 'b');
      expect(builder.destination).to.equal('/tmp');
      expect(builder.entrypoint).to.deep.equal([]);
      expect(builder).not.to.have.property('scriptsUrl');
    });

    it('treats an empty destination label as unset', async () => {
      const images = new FakeImages();
      images.local.set('b', imageInfo({ labels: { 'io.openshift.s2i.destination': '' } }));
      expect((await inspectBuilder(images, 'b')).destination).to.equal('/tmp');
    });

    it('rejects a builder whose USER is a name, with exit code 5', async () => {
      const images = new FakeImages();
      images.local.set('b', imageInfo({ user: 'jovyan' }));
      const error = await rejectionOf(inspectBuilder(images, 'b'));
      expect(error).to.be.instanceOf(UserNotAllowedError);
      expect((error as UserNotAllowedError).exitCode).to.equal(5);
    });
  });
});
