import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineJson, engineLine, logEngine, reportEngine } from '../../../src/cli/engine-report.js';
import { createLogger, type LogLevel } from '../../../src/common/log.js';
import { EngineUnreachableError } from '../../../src/common/errors.js';
import { identityOf } from '../../../src/engine/engine-identity.js';
import { tjs2iVersion } from '../../../src/common/version.js';
import { FakeEngine } from '../../support/unit/fake-engine.js';
import { PODMAN_4_3 } from '../../support/unit/engine-versions.js';
import { offlineTjs2i } from '../../support/unit/offline-cli.js';

const PODMAN = identityOf(PODMAN_4_3);

function podmanEngine(): FakeEngine {
  const engine = new FakeEngine();
  engine.identity = PODMAN;
  return engine;
}

function loggerAt(level: LogLevel): { logger: ReturnType<typeof createLogger>; text: () => string } {
  let text = '';
  return { logger: createLogger({ level, write: (t) => (text += t) }), text: () => text };
}

describe('engine-report', () => {
  it('says which engine answers, at which endpoint', async () => {
    const report = await reportEngine(podmanEngine(), 1000);
    expect(engineLine(report)).to.equal('engine: Podman 4.3.1 (API 1.41, linux/amd64/debian-12) at unix:///fake/docker.sock (from DOCKER_HOST)');
    expect(engineJson(report)).to.deep.equal({ engine: { ...PODMAN, endpoint: 'unix:///fake/docker.sock' } });
  });

  it('says why none answers, without failing', async () => {
    const engine = new FakeEngine();
    engine.identity = new EngineUnreachableError('cannot reach the Docker engine at unix:///fake/docker.sock (ENOENT)');
    const report = await reportEngine(engine, 1000);
    expect(engineLine(report)).to.equal(
      'engine: none identified (cannot reach the Docker engine at unix:///fake/docker.sock (ENOENT)); the endpoint is from DOCKER_HOST',
    );
    expect(engineJson(report)).to.deep.equal({ engine: null, engineError: 'cannot reach the Docker engine at unix:///fake/docker.sock (ENOENT)' });
  });

  it('gives up after the timeout, but an interruption still throws', async () => {
    const silent = {
      endpoint: 'unix:///slow.sock',
      identify: (signal?: AbortSignal) => new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')))),
    };
    expect(engineLine(await reportEngine(silent, 50))).to.equal('engine: none identified (no answer at unix:///slow.sock within 0.05 s)');
    const controller = new AbortController();
    const pending = reportEngine(silent, 5000, controller.signal);
    controller.abort();
    await pending.then(
      () => expect.fail('an interrupted report resolved'),
      (e: Error) => expect(e.message).to.equal('aborted'),
    );
  });

  it('--verbose (debug level) prints one engine line; other levels ask nothing', async () => {
    const debug = loggerAt('debug');
    const engine = podmanEngine();
    let asked = 0;
    const counting = { endpoint: engine.endpoint, identify: () => (asked++, engine.identify()) };
    await logEngine(counting, debug.logger);
    expect(debug.text()).to.equal('debug: engine: Podman 4.3.1 (API 1.41, linux/amd64/debian-12) at unix:///fake/docker.sock\n');
    const withSource = loggerAt('debug');
    await logEngine(engine, withSource.logger);
    expect(withSource.text()).to.equal('debug: engine: Podman 4.3.1 (API 1.41, linux/amd64/debian-12) at unix:///fake/docker.sock (from DOCKER_HOST)\n');
    for (const level of ['info', 'quiet'] as const) {
      const other = loggerAt(level);
      await logEngine(counting, other.logger);
      expect(other.text()).to.equal('');
    }
    expect(asked).to.equal(1);
  });

  describe('tjs2i version', function () {
    this.timeout(60_000);
    let dir: string;
    let server: Server | undefined;
    beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'tjs2i-unit-version-'))));
    afterEach(async () => {
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      server = undefined;
      await rm(dir, { recursive: true, force: true });
    });

    /** An engine on a unix socket that answers only GET /version, as Podman 4.3 does. */
    async function fakePodman(): Promise<string> {
      const socket = join(dir, 'podman.sock');
      server = createServer((request, response) => {
        if (request.method === 'GET' && /^(\/v[\d.]+)?\/version$/.test(request.url ?? '')) {
          response.writeHead(200, { 'Content-Type': 'application/json', 'Libpod-Api-Version': '4.3.1' });
          response.end(JSON.stringify(PODMAN_4_3));
        } else {
          response.writeHead(404).end();
        }
      });
      await new Promise<void>((resolve) => server!.listen(socket, resolve));
      return socket;
    }

    it('prints only tjs2i X.Y.Z, as before, without asking an engine', async () => {
      const run = await offlineTjs2i(['version']);
      expect(run).to.deep.equal({ code: 0, stdout: `tjs2i ${tjs2iVersion()}\n`, stderr: '' });
    });

    it('--json: the engine that answers (kind, version, API version, endpoint); --verbose: its line', async () => {
      const socket = await fakePodman();
      const json = await offlineTjs2i(['version', '--json'], { DOCKER_HOST: `unix://${socket}` });
      expect(json.code, json.stderr).to.equal(0);
      expect(JSON.parse(json.stdout)).to.deep.equal({
        ok: true,
        version: tjs2iVersion(),
        node: process.versions.node,
        engine: { ...PODMAN, endpoint: `unix://${socket}` },
      });
      const verbose = await offlineTjs2i(['version', '--verbose', '--docker-host', `unix://${socket}`]);
      expect(verbose.code).to.equal(0);
      expect(verbose.stdout).to.equal(`tjs2i ${tjs2iVersion()}\n`);
      expect(verbose.stderr).to.equal(`debug: engine: Podman 4.3.1 (API 1.41, linux/amd64/debian-12) at unix://${socket} (from --docker-host)\n`);
    });

    it('--json: engine null and why, exit 0, when none answers (or the endpoint is malformed)', async () => {
      const run = await offlineTjs2i(['version', '--json']);
      expect(run.code, run.stderr).to.equal(0);
      expect(JSON.parse(run.stdout)).to.deep.equal({
        ok: true,
        version: tjs2iVersion(),
        node: process.versions.node,
        engine: null,
        engineError: 'cannot reach the Docker engine at unix:///nonexistent/docker.sock (ENOENT)',
      });
      const malformed = await offlineTjs2i(['version', '--json', '--docker-host', 'ftp://x']);
      expect(malformed.code).to.equal(0);
      expect(JSON.parse(malformed.stdout)).to.include({ engine: null, engineError: 'unsupported --docker-host scheme ftp:// in ftp://x' });
    });
  });
});
