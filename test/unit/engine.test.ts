import { expect } from 'chai';
import { describeEndpoint, mapEngineError } from '../../src/engine.js';
import {
  BuildFailedError,
  EngineUnreachableError,
  ImageNotFoundError,
  InterruptedError,
  UsageError,
} from '../../src/errors.js';

const ENDPOINT = 'unix:///var/run/docker.sock';

function errorWith(props: Record<string, unknown>, message = 'engine failure'): Error {
  return Object.assign(new Error(message), props);
}

describe('engine', () => {
  describe('describeEndpoint', () => {
    it('uses DOCKER_HOST when set, else the default socket', () => {
      expect(describeEndpoint({ DOCKER_HOST: 'tcp://10.0.0.1:2375' })).to.equal('tcp://10.0.0.1:2375');
      expect(describeEndpoint({})).to.equal('unix:///var/run/docker.sock');
      expect(describeEndpoint({ DOCKER_HOST: '' })).to.equal('unix:///var/run/docker.sock');
    });
  });

  describe('mapEngineError', () => {
    for (const code of ['ECONNREFUSED', 'ENOENT', 'EACCES']) {
      it(`maps ${code} without a status code to EngineUnreachableError (exit 3) naming the endpoint`, () => {
        const mapped = mapEngineError(errorWith({ code }, `connect ${code} /var/run/docker.sock`), 'ping', ENDPOINT);
        expect(mapped).to.be.instanceOf(EngineUnreachableError);
        expect((mapped as EngineUnreachableError).exitCode).to.equal(3);
        expect(mapped.message).to.include(ENDPOINT);
        expect(mapped.message).to.include(code);
        expect((mapped as EngineUnreachableError).hint).to.include('DOCKER_HOST');
      });
    }

    it('does not treat a code with a status code as unreachable', () => {
      const mapped = mapEngineError(errorWith({ code: 'ENOENT', statusCode: 500, json: { message: 'no such file' } }), 'run assemble', ENDPOINT);
      expect(mapped).to.be.instanceOf(BuildFailedError);
      expect(mapped.message).to.equal('run assemble failed: no such file');
    });

    it('maps 404 with an image to ImageNotFoundError (exit 4)', () => {
      const mapped = mapEngineError(
        errorWith({ statusCode: 404, json: { message: 'No such image: nope:latest' } }),
        'create a container from nope',
        ENDPOINT,
        'nope:latest',
      );
      expect(mapped).to.be.instanceOf(ImageNotFoundError);
      expect((mapped as ImageNotFoundError).exitCode).to.equal(4);
      expect((mapped as ImageNotFoundError).image).to.equal('nope:latest');
      expect(mapped.message).to.equal('image nope:latest not found');
      expect((mapped as ImageNotFoundError).hint).to.include('No such image: nope:latest');
    });

    it('maps 404 without an image to BuildFailedError', () => {
      const mapped = mapEngineError(errorWith({ statusCode: 404, json: { message: 'No such container: abc' } }), 'commit x:y', ENDPOINT);
      expect(mapped).to.be.instanceOf(BuildFailedError);
      expect(mapped.message).to.equal('commit x:y failed: No such container: abc');
    });

    it('maps an AbortError (by name or code) to InterruptedError (exit 130)', () => {
      const byName = mapEngineError(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }), 'x', ENDPOINT);
      const byCode = mapEngineError(errorWith({ code: 'ABORT_ERR' }), 'x', ENDPOINT);
      for (const mapped of [byName, byCode]) {
        expect(mapped).to.be.instanceOf(InterruptedError);
        expect((mapped as InterruptedError).exitCode).to.equal(130);
      }
    });

    it('maps anything else to BuildFailedError with the engine json.message', () => {
      const mapped = mapEngineError(
        errorWith({ statusCode: 500, reason: 'server error', json: { message: '  conflict: unable to commit  \n' } }, '(HTTP code 500) server error'),
        'commit my-course:latest',
        ENDPOINT,
      );
      expect(mapped).to.be.instanceOf(BuildFailedError);
      expect((mapped as BuildFailedError).exitCode).to.equal(1);
      expect(mapped.message).to.equal('commit my-course:latest failed: conflict: unable to commit');
    });

    it('falls back to reason, then message, then the value itself', () => {
      expect(mapEngineError(errorWith({ statusCode: 500, reason: 'server error', json: null }), 'a', ENDPOINT).message).to.equal('a failed: server error');
      expect(mapEngineError(new Error('plain'), 'b', ENDPOINT).message).to.equal('b failed: plain');
      expect(mapEngineError('weird', 'c', ENDPOINT).message).to.equal('c failed: weird');
    });

    it('passes typed errors through unchanged', () => {
      const original = new UsageError('bad');
      expect(mapEngineError(original, 'x', ENDPOINT)).to.equal(original);
    });
  });
});
