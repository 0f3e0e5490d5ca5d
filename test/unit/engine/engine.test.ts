import { expect } from 'chai';
import type Docker from 'dockerode';
import { Readable } from 'node:stream';
import { describeEndpoint } from '../../../src/engine/docker-host.js';
import { createEngine } from '../../../src/engine/engine.js';
import { engineDetail, mapEngineError } from '../../../src/engine/engine-errors.js';
import { pullFromRegistry } from '../../../src/registry/pull-error.js';
import { BuildFailedError, EngineUnreachableError, ImageNotFoundError, InterruptedError, UsageError } from '../../../src/common/errors.js';

const ENDPOINT = 'unix:///var/run/docker.sock';

function errorWith(props: Record<string, unknown>, message = 'engine failure'): Error {
  return Object.assign(new Error(message), props);
}

describe('engine', () => {
  describe('describeEndpoint', () => {
    it('uses DOCKER_HOST when set, else the default socket', () => {
      expect(describeEndpoint({ DOCKER_HOST: 'tcp://10.0.0.1:2375' })).to.equal('tcp://10.0.0.1:2375');
      expect(describeEndpoint({}, undefined, [])).to.equal('unix:///var/run/docker.sock');
      expect(describeEndpoint({ DOCKER_HOST: '' }, undefined, [])).to.equal('unix:///var/run/docker.sock');
    });

    it('shows the --docker-host value over DOCKER_HOST, and TLS when it is on', () => {
      expect(describeEndpoint({ DOCKER_HOST: 'tcp://10.0.0.1:2375' }, 'tcp://127.0.0.1:2999')).to.equal('tcp://127.0.0.1:2999');
      expect(describeEndpoint({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1' })).to.equal('tcp://h:2376 (TLS)');
    });
  });

  describe('createEngine', () => {
    it('refuses an unsupported --docker-host with a UsageError (exit 2)', () => {
      expect(() => createEngine({ dockerHost: 'ssh://ada@h', env: {} })).to.throw(UsageError, /unsupported --docker-host scheme ssh/);
    });

    it('names the effective endpoint', () => {
      expect(createEngine({ dockerHost: 'tcp://127.0.0.1:2999', env: { DOCKER_HOST: 'unix:///x.sock' } }).endpoint).to.equal('tcp://127.0.0.1:2999');
    });
  });

  describe('pullImage', () => {
    function engineWithPull(pull: () => Promise<unknown>) {
      return createEngine({ env: {}, docker: { pull } as unknown as Docker });
    }
    const lines = (...events: object[]) => Readable.from(events.map((e) => `${JSON.stringify(e)}\n`));

    it('turns an error line inside the stream into ImageNotFoundError (exit 4)', async () => {
      const engine = engineWithPull(async () =>
        lines(
          { status: 'Pulling from x/b', id: '1' },
          { error: 'manifest unknown', errorDetail: { message: 'manifest for r:5/x/b:1 not found: manifest unknown' } },
        ),
      );
      const seen: string[] = [];
      const error = await pullFromRegistry(engine.images, 'r:5/x/b:1', (e) => seen.push(e.status ?? '')).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(ImageNotFoundError);
      expect((error as ImageNotFoundError).exitCode).to.equal(4);
      expect((error as Error).message).to.equal('cannot pull r:5/x/b:1: not found in the registry r:5 (manifest for r:5/x/b:1 not found: manifest unknown)');
      expect(seen).to.deep.equal(['Pulling from x/b']);
    });

    it('turns the engine\'s HTTP answer for a registry that is down into "could not be reached" (exit 4)', async () => {
      const engine = engineWithPull(async () => {
        throw errorWith(
          { statusCode: 500, reason: 'server error', json: null },
          '(HTTP code 500) server error - Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused ',
        );
      });
      const error = (await pullFromRegistry(engine.images, '127.0.0.1:9/x:1', () => undefined).then(
        () => undefined,
        (e: unknown) => e,
      )) as ImageNotFoundError;
      expect(error.exitCode).to.equal(4);
      expect(error.message).to.equal(
        'cannot pull 127.0.0.1:9/x:1: the registry 127.0.0.1:9 could not be reached (Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused)',
      );
    });

    it('keeps an unreachable engine as exit 3', async () => {
      const engine = engineWithPull(async () => {
        throw errorWith({ code: 'ECONNREFUSED' });
      });
      const error = await pullFromRegistry(engine.images, 'x:1', () => undefined).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(EngineUnreachableError);
    });
  });

  describe('engineDetail', () => {
    it('prefers the JSON message, then the body after "(HTTP code N) reason - ", then the reason', () => {
      expect(engineDetail(errorWith({ json: { message: ' m ' }, reason: 'r' }))).to.equal('m');
      expect(engineDetail(errorWith({ statusCode: 404, json: null, reason: 'unexpected' }, '(HTTP code 404) unexpected - manifest unknown '))).to.equal(
        'manifest unknown',
      );
      expect(engineDetail(errorWith({ statusCode: 500, json: null, reason: 'server error' }))).to.equal('server error');
    });

    it("leaves out the copier request Podman's archive errors print before what went wrong", () => {
      const dump =
        'copier.request{Request:"PUT", Root:"/", PutOptions:copier.PutOptions{UIDMap:[]idtools.IDMap(nil)}, RemoveOptions:copier.RemoveOptions{All:false}}';
      const message = `error during bulk transfer for ${dump}: copier: put: error creating "/tmp/c/d": link /tmp/w/nowhere /tmp/c/d: no such file or directory`;
      expect(engineDetail(errorWith({ statusCode: 500, json: { message } }))).to.equal(
        'error during bulk transfer: copier: put: error creating "/tmp/c/d": link /tmp/w/nowhere /tmp/c/d: no such file or directory',
      );
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

    it("names Docker's and Podman's sockets in the hint for a local socket, and how to start rootless Podman", () => {
      const docker = mapEngineError(errorWith({ code: 'ENOENT' }), 'ping', ENDPOINT) as EngineUnreachableError;
      expect(docker.message).to.equal('cannot reach the Docker engine at unix:///var/run/docker.sock (ENOENT)');
      expect(docker.hint).to.equal(
        'start the engine (e.g. `dockerd &`), or point --docker-host or DOCKER_HOST at a running one; for rootless Podman: systemctl --user start podman.socket (without --docker-host and DOCKER_HOST, tjs2i looks for /var/run/docker.sock, $XDG_RUNTIME_DIR/podman/podman.sock, then /run/podman/podman.sock)',
      );
      const podman = mapEngineError(errorWith({ code: 'ECONNREFUSED' }), 'ping', 'unix:///run/user/1000/podman/podman.sock') as EngineUnreachableError;
      expect(podman.message).to.equal('cannot reach Podman at unix:///run/user/1000/podman/podman.sock (ECONNREFUSED)');
      expect(podman.hint).to.equal(
        "start Podman's API socket: systemctl --user start podman.socket (rootless: $XDG_RUNTIME_DIR/podman/podman.sock) or sudo systemctl start podman.socket (/run/podman/podman.sock); or point --docker-host or DOCKER_HOST at a running engine",
      );
      const tcp = mapEngineError(errorWith({ code: 'ECONNREFUSED' }), 'ping', 'tcp://127.0.0.1:1') as EngineUnreachableError;
      expect(tcp.hint).to.equal('start the engine (e.g. `dockerd &`), or point --docker-host or DOCKER_HOST at a running one');
    });

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

    it("hints at Podman's default rlimits when the container could not get them", () => {
      const message =
        'preparing container 78ca for attach: runc: runc create failed: unable to start container process: error during container init: ' +
        'error setting rlimits for ready process: error setting rlimit type 7: operation not permitted: OCI permission denied';
      const mapped = mapEngineError(errorWith({ statusCode: 500, json: { message } }), 'run assemble', ENDPOINT) as BuildFailedError;
      expect(mapped).to.be.instanceOf(BuildFailedError);
      expect(mapped.message).to.equal(`run assemble failed: ${message}`);
      expect(mapped.hint).to.contain('default_ulimits = []').and.contain('CONTAINERS_CONF');
      expect((mapEngineError(errorWith({ statusCode: 500, json: { message: 'no space left' } }), 'x', ENDPOINT) as BuildFailedError).hint).to.equal(undefined);
    });

    it('falls back to reason, then message, then the value itself', () => {
      expect(mapEngineError(errorWith({ statusCode: 500, reason: 'server error', json: null }), 'a', ENDPOINT).message).to.equal('a failed: server error');
      expect(mapEngineError(new Error('plain'), 'b', ENDPOINT).message).to.equal('b failed: plain');
      expect(mapEngineError('weird', 'c', ENDPOINT).message).to.equal('c failed: weird');
    });

    for (const code of ['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'EPROTO']) {
      it(`maps the TLS failure ${code} to EngineUnreachableError (exit 3) naming the endpoint`, () => {
        const mapped = mapEngineError(errorWith({ code }, 'self-signed certificate in certificate chain'), 'inspect image b', 'tcp://127.0.0.1:2376 (TLS)');
        expect(mapped).to.be.instanceOf(EngineUnreachableError);
        expect(mapped.message).to.equal(
          `cannot reach the Docker engine at tcp://127.0.0.1:2376 (TLS): TLS failed (${code}: self-signed certificate in certificate chain)`,
        );
        expect((mapped as EngineUnreachableError).hint).to.include('DOCKER_CERT_PATH');
      });
    }

    it('passes typed errors through unchanged', () => {
      const original = new UsageError('bad');
      expect(mapEngineError(original, 'x', ENDPOINT)).to.equal(original);
    });
  });
});
