import { expect } from 'chai';
import { ExitCode, ImageNotFoundError, InterruptedError } from '../../../src/common/errors.js';
import { createLogger } from '../../../src/common/log.js';
import { pullFailure } from '../../../src/registry/pull-error.js';
import { ensureImage } from '../../../src/registry/pull-policy.js';
import { FakeEngine, imageInfo, rejectionOf } from '../../support/unit/helpers.js';

const NAME = '127.0.0.1:5000/course/builder:1';

function setup(local: boolean) {
  const engine = new FakeEngine();
  const lines: string[] = [];
  const logger = createLogger({ write: (t) => lines.push(t) });
  if (local) engine.images.set(NAME, imageInfo({ id: 'sha256:old' }));
  const pulled = imageInfo({ id: 'sha256:new' });
  engine.pullImpl = async (name, onEvent) => {
    onEvent({ status: 'Pulling fs layer', id: 'aaa' });
    onEvent({ status: 'Pull complete', id: 'aaa' });
    onEvent({ status: 'Digest: sha256:feed' });
    engine.images.set(name, pulled);
  };
  return { engine, logger, lines };
}

const refused = async (name: string) => {
  throw pullFailure(name, 'Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused');
};

describe('pull-policy ensureImage', () => {
  it('if-not-present: uses a local image without pulling', async () => {
    const { engine, logger } = setup(true);
    expect((await ensureImage(engine, NAME, 'if-not-present', logger, undefined, { tty: false })).id).to.equal('sha256:old');
    expect(engine.methods()).to.deep.equal(['inspectImage']);
  });

  it('if-not-present: pulls a missing image, says so, and ends with the digest', async () => {
    const { engine, logger, lines } = setup(false);
    const controller = new AbortController();
    const info = await ensureImage(engine, NAME, 'if-not-present', logger, controller.signal, { tty: false });
    expect(info.id).to.equal('sha256:new');
    expect(engine.methods()).to.deep.equal(['inspectImage', 'pullImage', 'inspectImage']);
    expect(engine.calls[1]?.args[2]).to.equal(controller.signal);
    expect(lines).to.deep.equal([`    ${NAME} is not here; pulling it\n`, `pulled ${NAME} (sha256:feed)\n`]);
  });

  it('always: pulls even when the image is here', async () => {
    const { engine, logger, lines } = setup(true);
    expect((await ensureImage(engine, NAME, 'always', logger, undefined, { tty: false })).id).to.equal('sha256:new');
    expect(engine.methods()).to.deep.equal(['inspectImage', 'pullImage', 'inspectImage']);
    expect(lines.at(-1)).to.equal(`pulled ${NAME} (sha256:feed)\n`);
  });

  it('always: fails when the pull fails although a local copy exists, and says how to use it', async () => {
    const { engine, logger } = setup(true);
    engine.pullImpl = refused;
    const error = (await rejectionOf(ensureImage(engine, NAME, 'always', logger, undefined, { tty: false }))) as ImageNotFoundError;
    expect(error).to.be.instanceOf(ImageNotFoundError);
    expect(error.exitCode).to.equal(ExitCode.imageNotFound);
    expect(error.message).to.match(/^cannot pull .*: the registry 127\.0\.0\.1:5000 could not be reached/);
    expect(error.hint).to.include('--pull-policy if-not-present');
  });

  it('never: uses a local image, and never pulls', async () => {
    const { engine, logger } = setup(true);
    expect((await ensureImage(engine, NAME, 'never', logger)).id).to.equal('sha256:old');
    expect(engine.methods()).to.deep.equal(['inspectImage']);
  });

  it('never: a missing image is ImageNotFoundError (exit 4) with a hint to drop the option', async () => {
    const { engine, logger } = setup(false);
    const error = (await rejectionOf(ensureImage(engine, NAME, 'never', logger, undefined, { missingHint: 'make it first' }))) as ImageNotFoundError;
    expect(error.exitCode).to.equal(4);
    expect(error.message).to.equal(`image ${NAME} not found locally (--pull-policy never)`);
    expect(error.hint).to.equal('make it first, or drop `--pull-policy never` to let tjs2i pull it');
    expect(engine.methods()).to.deep.equal(['inspectImage']);
  });

  it("a pull of an image that is in no registry gives the caller's hint", async () => {
    const { engine, logger } = setup(false);
    engine.pullImpl = async (name) => {
      throw pullFailure(name, `manifest for ${name} not found: manifest unknown: manifest unknown`);
    };
    const error = (await rejectionOf(ensureImage(engine, NAME, 'if-not-present', logger, undefined, { missingHint: 'make it first' }))) as ImageNotFoundError;
    expect(error.exitCode).to.equal(4);
    expect(error.message).to.include('not found in the registry 127.0.0.1:5000');
    expect(error.hint).to.equal('make it first');
  });

  it("a registry that is down: exit 4, the hint says to check it, then the caller's hint", async () => {
    const { engine, logger } = setup(false);
    engine.pullImpl = refused;
    const error = (await rejectionOf(ensureImage(engine, NAME, 'if-not-present', logger, undefined, { missingHint: 'make it first' }))) as ImageNotFoundError;
    expect(error.exitCode).to.equal(4);
    expect(error.message).to.include('could not be reached');
    expect(error.hint).to.equal('check that the registry 127.0.0.1:5000 is running and that the Docker engine can reach it; or make it first');
  });

  it('other failures (interrupted, engine gone) pass through unchanged', async () => {
    const { engine, logger } = setup(false);
    const interrupted = new InterruptedError();
    engine.pullImpl = async () => {
      throw interrupted;
    };
    expect(await rejectionOf(ensureImage(engine, NAME, 'if-not-present', logger))).to.equal(interrupted);
  });

  it('does not start a pull once interrupted', async () => {
    const { engine, logger } = setup(false);
    const controller = new AbortController();
    controller.abort();
    expect(await rejectionOf(ensureImage(engine, NAME, 'if-not-present', logger, controller.signal))).to.be.instanceOf(InterruptedError);
    expect(engine.methods()).to.deep.equal(['inspectImage']);
  });
});
