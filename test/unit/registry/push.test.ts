import { expect } from 'chai';
import type Docker from 'dockerode';
import { Readable } from 'node:stream';
import { createEngine } from '../../../src/engine/engine.js';
import { ImageTransferError } from '../../../src/engine/engine-errors.js';
import { EngineUnreachableError, ExitCode, InterruptedError, PushFailedError, UsageError } from '../../../src/common/errors.js';
import type { ProgressEvent } from '../../../src/engine/progress-stream.js';
import { createLogger } from '../../../src/common/log.js';
import { classifyPushFailure, pushFailure, pushToRegistry, RegistryPushError } from '../../../src/registry/push-error.js';
import { createPushProgress } from '../../../src/registry/push-progress.js';
import { pushTargetOf } from '../../../src/registry/push-target.js';
import { modemDebugEnabled, preparePush, pushImage } from '../../../src/registry/push.js';
import { FakeImages } from '../../support/unit/fake-images.js';
import { rejectionOf } from '../../support/unit/helpers.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const lines = (...events: object[]) => Readable.from(events.map((e) => `${JSON.stringify(e)}\n`));

/** The events of a two-layer push, as Docker 20.10 sends them. */
function pushEvents(): ProgressEvent[] {
  return [
    { status: 'The push refers to repository [127.0.0.1:5000/x]' },
    { status: 'Preparing', id: 'aaa', progressDetail: {} },
    { status: 'Preparing', id: 'bbb', progressDetail: {} },
    { status: 'Waiting', id: 'bbb', progressDetail: {} },
    { status: 'Pushing', id: 'aaa', progressDetail: { current: 500_000, total: 1_000_000 } },
    { status: 'Layer already exists', id: 'bbb' },
    { status: 'Pushing', id: 'aaa', progressDetail: { current: 1_000_000, total: 1_000_000 } },
    { status: 'Pushed', id: 'aaa' },
    { status: `1: digest: ${DIGEST} size: 735` },
    { progressDetail: {}, aux: { Tag: '1', Digest: DIGEST, Size: 735 } },
  ];
}

describe('push', () => {
  describe('pushTargetOf', () => {
    it('a registry host with a port, a dot or localhost', () => {
      expect(pushTargetOf('127.0.0.1:5000/course/notes:1')).to.deep.equal({
        reference: '127.0.0.1:5000/course/notes:1',
        repository: '127.0.0.1:5000/course/notes',
        tag: '1',
        registry: '127.0.0.1:5000',
        path: 'course/notes',
        canonical: '127.0.0.1:5000/course/notes:1',
        implicitRegistry: false,
      });
      expect(pushTargetOf('quay.io/org/x')).to.deep.include({ reference: 'quay.io/org/x:latest', registry: 'quay.io', path: 'org/x' });
      expect(pushTargetOf('localhost/x:2')).to.deep.include({ registry: 'localhost', path: 'x' });
    });

    it('no host: Docker Hub, library/ for a single name, as docker does', () => {
      expect(pushTargetOf('my-course')).to.deep.include({
        reference: 'my-course:latest',
        registry: 'docker.io',
        path: 'library/my-course',
        canonical: 'docker.io/library/my-course:latest',
        implicitRegistry: true,
      });
      expect(pushTargetOf('me/course:3')).to.deep.include({
        registry: 'docker.io',
        path: 'me/course',
        canonical: 'docker.io/me/course:3',
        implicitRegistry: true,
      });
      expect(pushTargetOf('docker.io/me/course')).to.deep.include({ registry: 'docker.io', implicitRegistry: false });
      expect(pushTargetOf('index.docker.io/x')).to.deep.include({ registry: 'docker.io', path: 'library/x' });
    });
  });

  describe('pushFailure', () => {
    it('classifies what Docker 20.10 says', () => {
      expect(classifyPushFailure('unauthorized: authentication required')).to.equal('unauthorized');
      expect(classifyPushFailure('no basic auth credentials')).to.equal('unauthorized');
      expect(classifyPushFailure('denied: requested access to the resource is denied')).to.equal('denied');
      expect(classifyPushFailure('unauthorized: access denied: 401')).to.equal('unauthorized');
      expect(classifyPushFailure('errors: denied: 401 Unauthorized')).to.equal('unauthorized');
      expect(classifyPushFailure('403 Forbidden')).to.equal('unauthorized');
      expect(classifyPushFailure('Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused')).to.equal('unreachable');
      expect(classifyPushFailure('name invalid: repository name not known')).to.equal('other');
    });

    it('exit 6; says the image is built and tagged locally, what went wrong and where the credentials came from', () => {
      const refused = pushFailure('r:5/x:1', 'r:5', 'unauthorized: authentication required', { credentialsFrom: '/c/config.json' });
      expect(refused).to.be.instanceOf(PushFailedError);
      expect(refused.exitCode).to.equal(ExitCode.pushFailed).and.to.equal(6);
      expect(refused.message).to.equal(
        'r:5/x:1 is built and tagged locally, but pushing it failed: the registry r:5 refused the credentials from /c/config.json (unauthorized: authentication required)',
      );
      expect(refused.hint).to.match(/^check the user and password \(or token\) for r:5 there, or log in again \(docker login r:5\), then rerun with --push/);
      const none = pushFailure('r:5/x:1', 'r:5', 'no basic auth credentials', { credentialsFrom: null });
      expect(none.message).to.match(/: the registry r:5 wants credentials and none were found for r:5 \(no basic auth credentials\)$/);
      expect(none.hint).to.include('DOCKER_AUTH_CONFIG');
      const down = pushFailure('r:5/x:1', 'r:5', 'Get "http://r:5/v2/": dial tcp: connection refused');
      expect(down.message).to.match(/: the registry r:5 could not be reached \(Get/);
      expect(down.hint).to.match(/^check that the registry r:5 is running/);
    });

    it('says a name without a registry host went to Docker Hub', () => {
      const error = pushFailure('my-course:latest', 'docker.io', 'denied: requested access to the resource is denied', {
        credentialsFrom: null,
        implicitRegistry: true,
      });
      expect(error.message).to.include('the registry Docker Hub (docker.io) wants credentials');
      expect(error.hint).to.include('the name has no registry host, so it went to Docker Hub');
    });

    it('denied: with credentials, the account may not push to that repository; Docker Hub library/ suggests <user>/<name>', () => {
      const denied = 'denied: requested access to the resource is denied';
      const hub = pushFailure('my-course:latest', 'docker.io', denied, { credentialsFrom: '/c/config.json', implicitRegistry: true });
      expect(hub.kind).to.equal('denied');
      expect(hub.exitCode).to.equal(6);
      expect(hub.message).to.equal(
        `my-course:latest is built and tagged locally, but pushing it failed: the registry Docker Hub (docker.io) denied access to the repository library/my-course to the account from /c/config.json: it may not push there (${denied})`,
      );
      expect(hub.message).to.not.include('refused the credentials');
      expect(hub.hint).to.match(
        /^name it <user>\/my-course \(your Docker Hub user or organisation\): Docker Hub's library\/ holds official images only, then rerun with --push/,
      );
      const explicit = pushFailure('docker.io/library/notes:2', 'docker.io', denied, { credentialsFrom: 'DOCKER_AUTH_CONFIG' });
      expect(explicit.hint).to.match(/^name it <user>\/notes /);
      const other = pushFailure('r.example/team/course:1', 'r.example', denied, { credentialsFrom: 'DOCKER_AUTH_CONFIG' });
      expect(other.message).to.match(
        /: the registry r\.example denied access to the repository team\/course to the account from DOCKER_AUTH_CONFIG: it may not push there \(denied: /,
      );
      expect(other.hint).to.match(/^check that the account may push to team\/course on r\.example/);
      const user = pushFailure('me/course:1', 'docker.io', denied, { credentialsFrom: 'f', implicitRegistry: true });
      expect(user.hint).to.not.include('library');
      // Without credentials, denied means: log in (and a library/ name could not be pushed anyway).
      const anonymous = pushFailure('my-course:latest', 'docker.io', denied, { credentialsFrom: null, implicitRegistry: true });
      expect(anonymous.message).to.include('wants credentials and none were found for docker.io');
      expect(anonymous.hint).to.include('name it <user>/my-course');
    });

    it('names the credential helpers that were passed over when the registry wants credentials', () => {
      const helper = 'the credential helper docker-credential-desktop (credsStore in /c/config.json) is not installed (not on PATH)';
      const none = pushFailure('r:5/x:1', 'r:5', 'unauthorized: authentication required', { credentialsFrom: null, helperFailures: [helper] });
      expect(none.message).to.equal(
        `r:5/x:1 is built and tagged locally, but pushing it failed: the registry r:5 wants credentials and none were found for r:5: ${helper} (unauthorized: authentication required)`,
      );
      expect(none.hint).to.match(/^fix that credential helper or remove it from that file, or log in \(docker login r:5\)/);
      const other = pushFailure('r:5/x:1', 'r:5', 'unauthorized: authentication required', { credentialsFrom: '/c/config.json', helperFailures: [helper] });
      expect(other.message).to.include(`refused the credentials from /c/config.json, found after ${helper} (`);
    });

    it("masks the credentials in the engine's words, on one line", () => {
      const error = pushFailure('r/x:1', 'r', 'unauthorized:\n bad password pw-S3cret for ada:pw-S3cret', {
        credentialsFrom: 'f',
        secrets: ['ada:pw-S3cret', 'pw-S3cret'],
      });
      expect(error.message).to.not.contain('S3cret');
      expect(error.message).to.contain('(unauthorized: bad password *** for ***)');
    });
  });

  describe('createPushProgress', () => {
    it('without a terminal: plain summary lines at most every interval, no control characters; keeps the digest', () => {
      let clock = 0;
      const out: string[] = [];
      const progress = createPushProgress('r/x:1', { write: (t) => out.push(t), tty: false, now: () => clock, intervalMs: 5000 });
      for (const event of pushEvents()) {
        clock += 2000; // events at 2 s, 4 s, ...: lines at 6 s and 12 s
        progress.onEvent(event);
      }
      expect(progress.finish()).to.equal(DIGEST);
      expect(out).to.deep.equal(['    pushing r/x:1: 0/2 layers\n', '    pushing r/x:1: 1/2 layers, 500.0 kB of 1.0 MB\n']);
      expect(out.join('')).to.not.include('\r').and.not.include('\x1b');
    });

    it('on a terminal: one line rewritten in place, cleared at the end', () => {
      let clock = 0;
      const out: string[] = [];
      const progress = createPushProgress('r/x:1', { write: (t) => out.push(t), tty: true, now: () => clock });
      for (const event of pushEvents()) {
        clock += 1000;
        progress.onEvent(event);
      }
      progress.finish();
      expect(out[0]?.startsWith('\r\x1b[K    pushing r/x:1: ')).to.equal(true);
      expect(out.at(-1)).to.equal('\r\x1b[K');
    });
  });

  describe('engine.pushImage', () => {
    function engineWithPush(push: (options: Record<string, unknown>) => Promise<unknown>) {
      const asked: { name: string; options: Record<string, unknown> }[] = [];
      const docker = {
        getImage: (name: string) => ({
          push: (options: Record<string, unknown>) => {
            asked.push({ name, options: { ...options } });
            return push(options);
          },
        }),
      } as unknown as Docker;
      return { engine: createEngine({ env: {}, docker }), asked };
    }

    it('pushes repository with the tag apart, the credentials as authconfig (X-Registry-Auth), and returns the digest', async () => {
      const { engine, asked } = engineWithPush(async () => lines(...pushEvents()));
      const seen: string[] = [];
      const digest = await engine.images.pushImage('127.0.0.1:5000/x', '1', { username: 'ada', password: 'pw', serveraddress: '127.0.0.1:5000' }, (e) =>
        seen.push(e.status ?? ''),
      );
      expect(digest).to.equal(DIGEST);
      expect(asked).to.deep.equal([
        { name: '127.0.0.1:5000/x', options: { tag: '1', authconfig: { username: 'ada', password: 'pw', serveraddress: '127.0.0.1:5000' } } },
      ]);
      expect(seen).to.include('Pushed');
    });

    it('sends an empty auth config when there are no credentials (the engine wants one)', async () => {
      const { engine, asked } = engineWithPush(async () => lines({ aux: { Digest: DIGEST } }));
      await engine.images.pushImage('x', 'latest', undefined, () => undefined);
      expect(asked[0]?.options).to.deep.equal({ tag: 'latest', authconfig: {} });
    });

    it('an error line in the stream becomes RegistryPushError (exit 6)', async () => {
      const { engine } = engineWithPush(async () =>
        lines(
          { status: 'Preparing', id: 'a' },
          { errorDetail: { message: 'unauthorized: authentication required' }, error: 'unauthorized: authentication required' },
        ),
      );
      const error = await rejectionOf(pushToRegistry(engine.images, pushTargetOf('r:5/x:1'), undefined, () => undefined));
      expect(error).to.be.instanceOf(RegistryPushError);
      expect((error as RegistryPushError).exitCode).to.equal(6);
      expect((error as RegistryPushError).kind).to.equal('unauthorized');
      expect((error as RegistryPushError).detail).to.equal('unauthorized: authentication required');
    });

    it('an unreachable engine stays exit 3', async () => {
      const { engine } = engineWithPush(async () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      });
      expect(await rejectionOf(pushToRegistry(engine.images, pushTargetOf('x:1'), undefined, () => undefined))).to.be.instanceOf(EngineUnreachableError);
    });
  });

  describe('preparePush and pushImage (a fake engine)', () => {
    const env = (extra: NodeJS.ProcessEnv) => ({ HOME: '/nonexistent-home', ...extra });
    const authConfig = JSON.stringify({ auths: { '127.0.0.1:5000': { auth: b64('ada:pw-S3cret') } } });

    function capture() {
      const out: string[] = [];
      return { out, logger: createLogger({ level: 'debug', write: (t) => out.push(t), now: () => 0 }) };
    }

    it('finds the credentials first, then pushes with them, logging where they came from but not what they are', async () => {
      const plan = await preparePush('127.0.0.1:5000/x:1', { env: env({ DOCKER_AUTH_CONFIG: authConfig }) });
      expect(plan.credentials).to.deep.include({ username: 'ada', from: 'DOCKER_AUTH_CONFIG' });
      const images = new FakeImages();
      const { out, logger } = capture();
      const result = await pushImage({ images }, plan, logger, undefined, { tty: false });
      expect(result).to.deep.equal({ reference: '127.0.0.1:5000/x:1', registry: '127.0.0.1:5000', digest: `sha256:${'d'.repeat(64)}` });
      expect(images.calls[0]?.args.slice(0, 3)).to.deep.equal([
        '127.0.0.1:5000/x',
        '1',
        { username: 'ada', password: 'pw-S3cret', serveraddress: '127.0.0.1:5000' },
      ]);
      const log = out.join('');
      expect(log).to.include('==> push: 127.0.0.1:5000/x:1 to 127.0.0.1:5000, credentials from DOCKER_AUTH_CONFIG\n');
      expect(log).to.include(`pushed 127.0.0.1:5000/x:1 (sha256:${'d'.repeat(64)})\n`);
      expect(log).to.not.match(/S3cret|ada|cHctUzNjcmV0|YWRh/);
    });

    it('says when a name without registry host goes to Docker Hub, and when no credentials were found', async () => {
      const plan = await preparePush('my-course', { env: env({}) });
      const { out, logger } = capture();
      await pushImage({ images: new FakeImages() }, plan, logger, undefined, { tty: false });
      expect(out.join('')).to.include(
        '==> push: my-course:latest to Docker Hub as docker.io/library/my-course:latest (the name has no registry host), no credentials found for docker.io\n',
      );
    });

    it("a refused push: exit 6 naming the credentials' source, the secret masked, the step marked failed", async () => {
      const plan = await preparePush('127.0.0.1:5000/x:1', { env: env({ DOCKER_AUTH_CONFIG: authConfig }) });
      const images = new FakeImages();
      images.pushImpl = async (repository, tag) => {
        throw new ImageTransferError('push', `${repository}:${tag}`, 'unauthorized: ada:pw-S3cret is wrong');
      };
      const { out, logger } = capture();
      const error = (await rejectionOf(pushImage({ images }, plan, logger, undefined, { tty: false }))) as RegistryPushError;
      expect(error.exitCode).to.equal(6);
      expect(error.message).to.equal(
        '127.0.0.1:5000/x:1 is built and tagged locally, but pushing it failed: the registry 127.0.0.1:5000 refused the credentials from DOCKER_AUTH_CONFIG (unauthorized: *** is wrong)',
      );
      expect(out.join('')).to.include('<== push failed after');
    });

    it('a credsStore helper that is missing: one warning naming it and the file, an anonymous push, an error naming it if the registry wants credentials', async () => {
      const config = JSON.stringify({ credsStore: 'tjs2i-absent-helper' });
      const warnings: string[] = [];
      const plan = await preparePush('127.0.0.1:5000/x:1', { env: env({ DOCKER_AUTH_CONFIG: config, PATH: '/nonexistent' }), warn: (m) => warnings.push(m) });
      expect(plan.credentials).to.equal(undefined);
      expect(warnings).to.deep.equal([
        'the credential helper docker-credential-tjs2i-absent-helper (credsStore in DOCKER_AUTH_CONFIG) is not installed (not on PATH): passed over (install it, or remove it from that file)',
      ]);
      const images = new FakeImages();
      images.pushImpl = async (repository, tag) => {
        throw new ImageTransferError('push', `${repository}:${tag}`, 'unauthorized: authentication required');
      };
      const { out, logger } = capture();
      const error = (await rejectionOf(pushImage({ images }, plan, logger, undefined, { tty: false }))) as RegistryPushError;
      expect(images.calls[0]?.args[2]).to.equal(undefined);
      expect(error.exitCode).to.equal(6);
      expect(error.message).to.equal(
        '127.0.0.1:5000/x:1 is built and tagged locally, but pushing it failed: the registry 127.0.0.1:5000 wants credentials and none were found for 127.0.0.1:5000: the credential helper docker-credential-tjs2i-absent-helper (credsStore in DOCKER_AUTH_CONFIG) is not installed (not on PATH) (unauthorized: authentication required)',
      );
      expect(out.join('')).to.include('no credentials found for 127.0.0.1:5000');
    });

    it('an interrupted push stays an interruption', async () => {
      const images = new FakeImages();
      images.pushImpl = async () => {
        throw new InterruptedError();
      };
      const { logger } = capture();
      expect(await rejectionOf(pushImage({ images }, await preparePush('r.example/x', { env: env({}) }), logger))).to.be.instanceOf(InterruptedError);
    });

    it('a malformed source stops before anything is pushed (exit 2)', async () => {
      const error = await rejectionOf(preparePush('r.example/x', { env: env({ DOCKER_AUTH_CONFIG: '{"auths": 1}' }) }));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as UsageError).message).to.match(/^malformed DOCKER_AUTH_CONFIG/);
    });

    it('refuses to push credentials while DEBUG would make docker-modem print them', async () => {
      const error = await rejectionOf(preparePush('127.0.0.1:5000/x:1', { env: env({ DOCKER_AUTH_CONFIG: authConfig, DEBUG: '*' }) }));
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.match(/^DEBUG=\* makes docker-modem print every request/);
      // Without credentials there is nothing to leak.
      expect((await preparePush('127.0.0.1:5000/x:1', { env: env({ DEBUG: '*' }) })).credentials).to.equal(undefined);
    });

    it("modemDebugEnabled follows the debug package's patterns", () => {
      expect(modemDebugEnabled(undefined)).to.equal(false);
      expect(modemDebugEnabled('')).to.equal(false);
      expect(modemDebugEnabled('*')).to.equal(true);
      expect(modemDebugEnabled('modem')).to.equal(true);
      expect(modemDebugEnabled('express:*,mod*')).to.equal(true);
      expect(modemDebugEnabled('express:* other')).to.equal(false);
      expect(modemDebugEnabled('*,-modem')).to.equal(false);
      expect(modemDebugEnabled('modemx')).to.equal(false);
    });
  });
});
