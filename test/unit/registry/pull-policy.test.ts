import { expect } from 'chai';
import { ExitCode, ImageNotFoundError, InterruptedError } from '../../../src/common/errors.js';
import { createLogger } from '../../../src/common/log.js';
import { ImageTransferError } from '../../../src/engine/engine-errors.js';
import { ensureImage } from '../../../src/registry/pull-policy.js';
import { FakeImages, imageInfo } from '../../support/unit/fake-images.js';
import { rejectionOf } from '../../support/unit/helpers.js';

const NAME = '127.0.0.1:5000/course/builder:1';

function setup(local: boolean) {
  const images = new FakeImages();
  const lines: string[] = [];
  const logger = createLogger({ write: (t) => lines.push(t) });
  if (local) images.local.set(NAME, imageInfo({ id: 'sha256:old' }));
  const pulled = imageInfo({ id: 'sha256:new' });
  images.pullImpl = async (name, onEvent) => {
    onEvent({ status: 'Pulling fs layer', id: 'aaa' });
    onEvent({ status: 'Pull complete', id: 'aaa' });
    onEvent({ status: 'Digest: sha256:feed' });
    images.local.set(name, pulled);
  };
  return { images, logger, lines };
}

const refused = async (name: string) => {
  throw new ImageTransferError('pull', name, 'Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused');
};

describe('pull-policy ensureImage', () => {
  it('if-not-present: uses a local image without pulling', async () => {
    const { images, logger } = setup(true);
    expect((await ensureImage(images, NAME, 'if-not-present', logger, undefined, { tty: false })).id).to.equal('sha256:old');
    expect(images.methods()).to.deep.equal(['inspectImage']);
  });

  it('if-not-present: pulls a missing image, says so, and ends with the digest', async () => {
    const { images, logger, lines } = setup(false);
    const controller = new AbortController();
    const info = await ensureImage(images, NAME, 'if-not-present', logger, controller.signal, { tty: false });
    expect(info.id).to.equal('sha256:new');
    expect(images.methods()).to.deep.equal(['inspectImage', 'pullImage', 'inspectImage']);
    expect(images.calls[1]?.args[2]).to.equal(controller.signal);
    expect(lines).to.deep.equal([`    ${NAME} is not here; pulling it\n`, `pulled ${NAME} (sha256:feed)\n`]);
  });

  it('always: pulls even when the image is here', async () => {
    const { images, logger, lines } = setup(true);
    expect((await ensureImage(images, NAME, 'always', logger, undefined, { tty: false })).id).to.equal('sha256:new');
    expect(images.methods()).to.deep.equal(['inspectImage', 'pullImage', 'inspectImage']);
    expect(lines.at(-1)).to.equal(`pulled ${NAME} (sha256:feed)\n`);
  });

  it('always: fails when the pull fails although a local copy exists, and says how to use it', async () => {
    const { images, logger } = setup(true);
    images.pullImpl = refused;
    const error = (await rejectionOf(ensureImage(images, NAME, 'always', logger, undefined, { tty: false }))) as ImageNotFoundError;
    expect(error).to.be.instanceOf(ImageNotFoundError);
    expect(error.exitCode).to.equal(ExitCode.imageNotFound);
    expect(error.message).to.match(/^cannot pull .*: the registry 127\.0\.0\.1:5000 could not be reached/);
    expect(error.hint).to.include('--pull-policy if-not-present');
  });

  it('never: uses a local image, and never pulls', async () => {
    const { images, logger } = setup(true);
    expect((await ensureImage(images, NAME, 'never', logger)).id).to.equal('sha256:old');
    expect(images.methods()).to.deep.equal(['inspectImage']);
  });

  it('never: a missing image is ImageNotFoundError (exit 4) with a hint to drop the option', async () => {
    const { images, logger } = setup(false);
    const error = (await rejectionOf(ensureImage(images, NAME, 'never', logger, undefined, { missingHint: 'make it first' }))) as ImageNotFoundError;
    expect(error.exitCode).to.equal(4);
    expect(error.message).to.equal(`image ${NAME} not found locally (--pull-policy never)`);
    expect(error.hint).to.equal('make it first, or drop `--pull-policy never` to let tjs2i pull it');
    expect(images.methods()).to.deep.equal(['inspectImage']);
  });

  it("a pull of an image that is in no registry gives the caller's hint", async () => {
    const { images, logger } = setup(false);
    images.pullImpl = async (name) => {
      throw new ImageTransferError('pull', name, `manifest for ${name} not found: manifest unknown: manifest unknown`);
    };
    const error = (await rejectionOf(ensureImage(images, NAME, 'if-not-present', logger, undefined, { missingHint: 'make it first' }))) as ImageNotFoundError;
    expect(error.exitCode).to.equal(4);
    expect(error.message).to.include('not found in the registry 127.0.0.1:5000');
    expect(error.hint).to.equal('make it first');
  });

  it("a registry that is down: exit 4, the hint says to check it, then the caller's hint", async () => {
    const { images, logger } = setup(false);
    images.pullImpl = refused;
    const error = (await rejectionOf(ensureImage(images, NAME, 'if-not-present', logger, undefined, { missingHint: 'make it first' }))) as ImageNotFoundError;
    expect(error.exitCode).to.equal(4);
    expect(error.message).to.include('could not be reached');
    expect(error.hint).to.equal('check that the registry 127.0.0.1:5000 is running and that the Docker engine can reach it; or make it first');
  });

  it('other failures (interrupted, engine gone) pass through unchanged', async () => {
    const { images, logger } = setup(false);
    const interrupted = new InterruptedError();
    images.pullImpl = async () => {
      throw interrupted;
    };
    expect(await rejectionOf(ensureImage(images, NAME, 'if-not-present', logger))).to.equal(interrupted);
  });

  it('does not start a pull once interrupted', async () => {
    const { images, logger } = setup(false);
    const controller = new AbortController();
    controller.abort();
    expect(await rejectionOf(ensureImage(images, NAME, 'if-not-present', logger, controller.signal))).to.be.instanceOf(InterruptedError);
    expect(images.methods()).to.deep.equal(['inspectImage']);
  });
});
