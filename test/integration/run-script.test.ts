/**
 * The run script's switches, as a user (or a platform such as JupyterHub) sets them: the interface
 * (DOCKER_STACKS_JUPYTER_CMD, JUPYTER_ENABLE_LAB), path prefixes (JUPYTER_BASE_URL,
 * JUPYTERHUB_SERVICE_PREFIX), NOTEBOOK_ARGS, and authentication (token by default, JUPYTER_NO_AUTH=1).
 */
import { expect } from 'chai';
import { docker, exec, randomUid, tempDir, testBuilder, tjs2i, uniqueName } from '../support/integration/helpers.js';
import { notebook, writeTree } from '../support/integration/course-fixtures.js';
import { JupyterClient, runJupyter, tokenOf, waitForJupyter, type RunningJupyter } from '../support/integration/jupyter.js';

describe('run: interface, path prefix, NOTEBOOK_ARGS and authentication (real engine, real Jupyter)', function () {
  this.timeout(300_000);
  let image: string;

  before(async () => {
    const builder = await testBuilder();
    const dir = await tempDir('runcourse');
    try {
      await writeTree(dir.path, { '01-intro.ipynb': notebook('Introduction'), 'lessons/02.ipynb': notebook('Two') });
      image = uniqueName('runcourse');
      const result = await tjs2i(['build', dir.path, builder, image, '--copy']);
      expect(result.code, result.stderr).to.equal(0);
    } finally {
      await dir.remove();
    }
  });

  after(async () => {
    await docker('rmi', '-f', image).catch(() => undefined);
  });

  async function serve(options: Parameters<typeof runJupyter>[1], check: (jupyter: RunningJupyter, logs: string) => Promise<void>): Promise<void> {
    const jupyter = await runJupyter(image, { user: `${randomUid()}:0`, ...options });
    try {
      await waitForJupyter(jupyter);
      await check(jupyter, await jupyter.logs());
    } finally {
      await jupyter.stop();
    }
  }

  it('by default lands users in work/ (the server runs in $HOME, so the API paths are /api/contents/work)', async () => {
    await serve({}, async (jupyter) => {
      const client = new JupyterClient(jupyter.base, await tokenOf(jupyter));
      const home = await client.request('GET', '/');
      expect(home.status).to.equal(302);
      expect(home.headers.get('location')).to.match(/^\/tree\/work\??$/);
      expect(await client.listWork()).to.deep.equal(['01-intro.ipynb', 'lessons']);
    });
  });

  it('DOCKER_STACKS_JUPYTER_CMD=lab on an image without JupyterLab falls back to the notebook, with one line', async () => {
    await serve({ env: { DOCKER_STACKS_JUPYTER_CMD: 'lab' } }, async (_jupyter, logs) => {
      expect(logs).to.contain('run: DOCKER_STACKS_JUPYTER_CMD=lab asks for lab, but this image has no jupyter-lab; starting jupyter notebook instead');
      expect(logs).to.match(/Jupyter Notebook 6\.[\d.]+ is running at/);
    });
  });

  it('the legacy JUPYTER_ENABLE_LAB is honoured the same way, and an unknown interface is refused', async () => {
    const legacy = await exec('docker', [
      'run',
      '--rm',
      '--label',
      'io.tjs2i.test=1',
      '--user',
      `${randomUid()}:0`,
      '-e',
      'JUPYTER_ENABLE_LAB=yes',
      image,
      '/usr/libexec/s2i/run',
      '--version',
    ]);
    expect(legacy.code, legacy.stderr).to.equal(0);
    expect(legacy.stdout + legacy.stderr).to.contain(
      'run: JUPYTER_ENABLE_LAB asks for lab, but this image has no jupyter-lab; starting jupyter notebook instead',
    );
    const bogus = await exec('docker', ['run', '--rm', '--label', 'io.tjs2i.test=1', '-e', 'DOCKER_STACKS_JUPYTER_CMD=jupyterlab', image]);
    expect(bogus.code).to.equal(2);
    expect(bogus.stderr).to.contain('run: DOCKER_STACKS_JUPYTER_CMD=jupyterlab is not one of lab, notebook, nbclassic, server');
  });

  it('JUPYTER_BASE_URL=/course/ serves under that prefix, with authentication still required', async () => {
    await serve({ env: { JUPYTER_BASE_URL: '/course/' }, basePath: '/course' }, async (jupyter) => {
      expect((await fetch(`http://127.0.0.1:${jupyter.port}/api`)).status).to.equal(404);
      expect((await new JupyterClient(jupyter.base).request('GET', '/api/contents/work')).status).to.equal(403);
      const client = new JupyterClient(jupyter.base, await tokenOf(jupyter));
      expect(await client.listWork()).to.deep.equal(['01-intro.ipynb', 'lessons']);
      expect((await client.request('GET', '/')).headers.get('location')).to.match(/^\/course\/tree\/work\??$/);
    });
  });

  it('JUPYTERHUB_SERVICE_PREFIX is the prefix when JUPYTER_BASE_URL is not set', async () => {
    await serve({ env: { JUPYTERHUB_SERVICE_PREFIX: '/user/ada' }, basePath: '/user/ada' }, async (jupyter) => {
      expect(await new JupyterClient(jupyter.base, await tokenOf(jupyter)).listWork()).to.include('01-intro.ipynb');
    });
  });

  it("NOTEBOOK_ARGS is split into words and passed to Jupyter, after (so over) run's own options", async () => {
    await serve(
      { env: { NOTEBOOK_ARGS: '--NotebookApp.base_url=/from-args/   --NotebookApp.default_url=/tree/work/lessons' }, basePath: '/from-args' },
      async (jupyter) => {
        const client = new JupyterClient(jupyter.base, await tokenOf(jupyter));
        expect((await client.request('GET', '/')).headers.get('location')).to.match(/^\/from-args\/tree\/work\/lessons\??$/);
      },
    );
  });

  it('JUPYTER_NO_AUTH=1 serves the API without a token and prints a warning', async () => {
    await serve({ env: { JUPYTER_NO_AUTH: '1' } }, async (jupyter, logs) => {
      expect(logs).to.contain('run: WARNING: JUPYTER_NO_AUTH=1: authentication is off, anyone who can reach port 8888 can run code as this user');
      expect(logs).to.not.match(/\?token=/);
      expect(await new JupyterClient(jupyter.base).listWork()).to.deep.equal(['01-intro.ipynb', 'lessons']);
    });
  });

  it('without the opt-in (JUPYTER_NO_AUTH=yes is not 1), /api/contents needs the token', async () => {
    await serve({ env: { JUPYTER_NO_AUTH: 'yes' } }, async (jupyter, logs) => {
      expect(logs).to.contain('run: JUPYTER_NO_AUTH=yes ignored (only 1 turns authentication off)');
      expect(logs).to.not.contain('WARNING: JUPYTER_NO_AUTH');
      expect((await new JupyterClient(jupyter.base).request('GET', '/api/contents/work')).status).to.equal(403);
      expect(await new JupyterClient(jupyter.base, await tokenOf(jupyter)).listWork()).to.include('lessons');
    });
  });
});
