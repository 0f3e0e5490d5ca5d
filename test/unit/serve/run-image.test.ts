import { expect } from 'chai';
import { BuildFailedError, UsageError } from '../../../src/common/errors.js';
import { createLogger } from '../../../src/common/log.js';
import { runImage, type RunImageOptions, type ServerReady } from '../../../src/serve/run-image.js';
import { FakeContainers } from '../../support/unit/fake-containers.js';
import { rejectionOf } from '../../support/unit/helpers.js';

const TOKEN = 'abcdef0123456789abcdef0123456789abcdef0123456789';
const JUPYTER_LOG = [`[I NotebookApp] Jupyter Notebook 6.4.12 is running at:\n`, `[I NotebookApp] http://c0ffee:8888/?token=${TOKEN}\n`];

interface Harness {
  containers: FakeContainers;
  controller: AbortController;
  logs: string[];
  ready: ServerReady[];
  probed: string[];
  /** Whether /api answers 200 yet. */
  answering: boolean;
  start: (options?: Partial<RunImageOptions>) => Promise<Awaited<ReturnType<typeof runImage>>>;
}

function harness(): Harness {
  const h: Harness = {
    containers: new FakeContainers(),
    controller: new AbortController(),
    logs: [],
    ready: [],
    probed: [],
    answering: true,
    start: (options = {}) =>
      runImage(
        { containers: h.containers },
        'my-course:v1',
        {
          env: [],
          volumes: [],
          pollIntervalMs: 5,
          tokenWaitMs: 200,
          probe: async (url) => {
            h.probed.push(url);
            return h.answering ? 200 : undefined;
          },
          ...options,
        },
        createLogger({ write: (text) => void h.logs.push(text) }),
        h.controller.signal,
        (ready) => {
          h.ready.push(ready);
          // The user presses Ctrl-C once the URL is shown.
          setTimeout(() => h.controller.abort(), 5);
        },
      ),
  };
  h.containers.serverOutput = [...JUPYTER_LOG];
  return h;
}

describe('runImage (fake engine)', () => {
  it('creates the container with the port on 127.0.0.1, labels, env, user and volumes, then cleans up on Ctrl-C', async () => {
    const h = harness();
    const result = await h.start({
      env: [{ name: 'GREETING', value: 'hi' }],
      user: '1000770000:0',
      volumes: ['data:/home/jovyan/work/extra'],
      labels: { 'io.tjs2i.preview': '1' },
    });
    const spec = h.containers.servers[0];
    expect(spec).to.deep.include({
      image: 'my-course:v1',
      containerPort: '8888/tcp',
      hostIp: '127.0.0.1',
      env: ['GREETING=hi'],
      user: '1000770000:0',
      binds: ['data:/home/jovyan/work/extra'],
    });
    expect(spec?.hostPort).to.equal(undefined);
    expect(spec?.name).to.match(/^tjs2i-run-[0-9a-f]{12}$/);
    expect(spec?.labels).to.deep.equal({ 'io.tjs2i.run': '1', 'io.tjs2i.preview': '1' });
    expect(h.ready).to.have.length(1);
    expect(h.ready[0]?.url).to.equal(`http://127.0.0.1:49153/?token=${TOKEN}`);
    expect(h.probed[0]).to.equal('http://127.0.0.1:49153/api');
    expect(result).to.deep.include({ image: 'my-course:v1', port: 49153, passwordRequired: false, tokenFound: true, container: spec?.name });
    // Attached before it started; stopped (gracefully) and removed at the end.
    const methods = h.containers.methods();
    expect(methods.slice(0, 3)).to.deep.equal(['createServer', 'attachOutput', 'startContainer']);
    expect(methods.slice(-2)).to.deep.equal(['stopContainer', 'removeContainer']);
    // The log was streamed; no value of a variable was.
    expect(h.logs.join('')).to.contain(`?token=${TOKEN}`).and.contain('environment: GREETING').and.not.contain('hi\n');
  });

  it("shows every URL of the log at the published port, not the container's", async () => {
    const h = harness();
    h.containers.serverOutput = [
      '[I ServerApp] Jupyter Server 2.20.0 is running at:\n',
      // The container's host name: the first 12 characters of its id.
      `[I ServerApp] http://c0ffee000000:8888/lab/tree/work?token=${TOKEN}\n`,
      `[I ServerApp]     http://127.0.0.1:8888/lab/tree/work?token=${TOKEN}\n`,
    ];
    await h.start();
    const shown = h.logs.join('');
    expect(shown)
      .to.contain(`http://127.0.0.1:49153/lab/tree/work?token=${TOKEN}`)
      .and.not.match(/:8888\b/);
    expect(h.ready[0]?.url).to.equal(`http://127.0.0.1:49153/lab/tree/work?token=${TOKEN}`);
  });

  it('publishes on the given port', async () => {
    const h = harness();
    const result = await h.start({ port: 18888 });
    expect(h.containers.servers[0]?.hostPort).to.equal(18888);
    expect(result.url).to.equal(`http://127.0.0.1:18888/?token=${TOKEN}`);
  });

  it('with a password: the URL without token, "password required", the value never logged', async () => {
    const h = harness();
    h.containers.serverOutput = ['run: password protection is on\n', '[I NotebookApp] http://c0ffee:8888/\n'];
    const result = await h.start({ env: [{ name: 'PASSWORD', value: 'hunter2-secret' }] });
    expect(result).to.deep.include({ url: 'http://127.0.0.1:49153/', passwordRequired: true });
    expect(h.logs.join('')).not.to.contain('hunter2-secret');
  });

  it('waits for Jupyter to answer before it calls onReady', async () => {
    const h = harness();
    h.answering = false;
    setTimeout(() => (h.answering = true), 50);
    await h.start();
    expect(h.probed.length).to.be.above(1);
    expect(h.ready).to.have.length(1);
  });

  it('says so and gives the URL without token when the token is not in the log', async () => {
    const h = harness();
    h.containers.serverOutput = ['[I NotebookApp] starting\n'];
    const result = await h.start({ tokenWaitMs: 20 });
    expect(result).to.deep.include({ url: 'http://127.0.0.1:49153/', tokenFound: false });
    expect(h.logs.join('')).to.contain("warning: Jupyter's token was not found in its log");
  });

  it('a server that dies before it answers: its exit code and last lines, the container removed, no URL', async () => {
    const h = harness();
    h.answering = false;
    h.containers.serverOutput = ['boom\n'];
    setTimeout(() => h.containers.exitServer(3), 30);
    const error = await rejectionOf(h.start());
    expect(error).to.be.instanceOf(BuildFailedError);
    expect((error as BuildFailedError).message).to.equal('the container of my-course:v1 exited with code 3 before Jupyter answered');
    expect((error as BuildFailedError).lastLines).to.deep.equal(['boom']);
    expect(h.ready).to.deep.equal([]);
    expect(h.containers.methods().at(-1)).to.equal('removeContainer');
    expect(h.containers.methods()).not.to.include('stopContainer');
  });

  it('a server that dies after it answered: an error with its exit code, the container removed', async () => {
    const h = harness();
    const run = runImage(
      { containers: h.containers },
      'my-course:v1',
      { env: [], volumes: [], pollIntervalMs: 5, probe: async () => 200 },
      createLogger({ write: () => undefined }),
      h.controller.signal,
      () => {
        h.containers.emitServerOutput('Killed\n');
        setTimeout(() => h.containers.exitServer(137), 5);
      },
    );
    const error = await rejectionOf(run);
    expect((error as BuildFailedError).message).to.equal('the container of my-course:v1 exited with code 137 while serving');
    expect((error as BuildFailedError).lastLines.at(-1)).to.equal('Killed');
    expect(h.containers.methods().at(-1)).to.equal('removeContainer');
  });

  it('gives up after the timeout, with the last lines, and removes the container', async () => {
    const h = harness();
    h.answering = false;
    const error = await rejectionOf(h.start({ readyTimeoutMs: 40 }));
    expect((error as BuildFailedError).message).to.equal('Jupyter in my-course:v1 did not answer on 127.0.0.1:49153 within 0 s');
    expect((error as BuildFailedError).lastLines).to.deep.equal(JUPYTER_LOG.map((l) => l.trimEnd()));
    expect(h.containers.methods().slice(-2)).to.deep.equal(['stopContainer', 'removeContainer']);
  });

  it('Ctrl-C while waiting for Jupyter ends normally and removes the container', async () => {
    const h = harness();
    h.answering = false;
    setTimeout(() => h.controller.abort(), 30);
    const result = await h.start();
    expect(result.port).to.equal(49153);
    expect(h.ready).to.deep.equal([]);
    expect(h.containers.methods().slice(-2)).to.deep.equal(['stopContainer', 'removeContainer']);
  });

  it('a port in use is a usage error, and the container is removed', async () => {
    const h = harness();
    h.containers.startContainerImpl = async () => {
      throw new BuildFailedError(
        'start container c0ffee failed: driver failed programming external connectivity: Bind for 127.0.0.1:18888 failed: port is already allocated',
      );
    };
    const error = await rejectionOf(h.start({ port: 18888 }));
    expect(error).to.be.instanceOf(UsageError);
    expect((error as UsageError).message).to.equal('port 18888 on 127.0.0.1 is already in use');
    expect(h.containers.methods().at(-1)).to.equal('removeContainer');
  });
});
