/**
 * The run script's switches, as a user (or a platform such as JupyterHub) sets them: the interface
 * (DOCKER_STACKS_JUPYTER_CMD, JUPYTER_ENABLE_LAB), path prefixes (JUPYTER_BASE_URL,
 * JUPYTERHUB_SERVICE_PREFIX), NOTEBOOK_ARGS, and authentication (token by default, JUPYTER_NO_AUTH=1),
 * on both families of stand-ins; on today's, also the image's health check and start-up hooks.
 */
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { docker, exec, randomUid, tempDir, TEST_LABEL, tjs2i, uniqueName } from '../support/integration/helpers.js';
import { notebook, writeTree } from '../support/integration/course-fixtures.js';
import { familyBuilder, forEachFamily, type Family } from '../support/integration/families.js';
import { JupyterClient, runJupyter, tokenOf, waitForJupyter, type RunningJupyter } from '../support/integration/jupyter.js';
import { startFakeHub, type FakeHub } from '../support/integration/fake-hub.js';

/** The `Secure` attribute of a Set-Cookie line. */
const SECURE_COOKIE = /;\s*secure\s*(;|$)/i;

/** Start-up warnings that name configuration the installed server no longer reads under that name. */
const STALE_CONFIG_WARNING = /^\[W [^\]]*\] .*(NotebookApp|ServerApp\.password|ServerApp\.token|not recognized by)/m;

describe('run: interface, path prefix, NOTEBOOK_ARGS and authentication (real engine, real Jupyter)', function () {
  this.timeout(300_000);
  forEachFamily(runScriptOn);
});

function runScriptOn(family: Family): void {
  let image: string;
  const landing = (prefix = '') => new RegExp(`^${prefix}${family.landing}\\??$`);

  before(async () => {
    const builder = await familyBuilder(family);
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

  it(`by default starts ${family.defaultInterface} and lands users in work/ (the server runs in $HOME, so the API paths are /api/contents/work)`, async () => {
    await serve({}, async (jupyter, logs) => {
      const client = new JupyterClient(jupyter.base, await tokenOf(jupyter));
      const home = await client.request('GET', '/');
      expect(home.status).to.equal(302);
      expect(home.headers.get('location')).to.match(landing());
      expect(await client.listWork()).to.deep.equal(['01-intro.ipynb', 'lessons']);
      expect(logs).to.match(family.runningLine);
      expect(logs).not.to.match(STALE_CONFIG_WARNING);
    });
  });

  if (family.defaultInterface === 'notebook') {
    it('DOCKER_STACKS_JUPYTER_CMD=lab on an image without JupyterLab falls back to the notebook, with one line', async () => {
      await serve({ env: { DOCKER_STACKS_JUPYTER_CMD: 'lab' } }, async (_jupyter, logs) => {
        expect(logs).to.contain('run: DOCKER_STACKS_JUPYTER_CMD=lab asks for lab, but this image has no jupyter-lab; starting jupyter notebook instead');
        expect(logs).to.match(/Jupyter Notebook 6\.[\d.]+ is running at/);
      });
    });
  } else {
    it('DOCKER_STACKS_JUPYTER_CMD=notebook starts Notebook 7 in work/, and =server the bare server, without stale-option warnings', async () => {
      await serve({ env: { DOCKER_STACKS_JUPYTER_CMD: 'notebook' } }, async (jupyter, logs) => {
        const client = new JupyterClient(jupyter.base, await tokenOf(jupyter));
        expect((await client.request('GET', '/')).headers.get('location')).to.match(/^\/tree\/work\??$/);
        const page = await client.request('GET', '/tree/work');
        expect(page.status).to.equal(200);
        expect(await page.text()).to.contain('notebook');
        expect(logs).not.to.match(STALE_CONFIG_WARNING);
        expect(logs).to.contain('notebook | extension was successfully loaded');
      });
      await serve({ env: { DOCKER_STACKS_JUPYTER_CMD: 'server' } }, async (jupyter, logs) => {
        expect(await new JupyterClient(jupyter.base, await tokenOf(jupyter)).listWork()).to.include('lessons');
        expect(logs).to.match(family.runningLine);
        expect(logs).not.to.match(STALE_CONFIG_WARNING);
      });
    });
  }

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
    const fallback = 'run: JUPYTER_ENABLE_LAB asks for lab, but this image has no jupyter-lab; starting jupyter notebook instead';
    if (family.defaultInterface === 'notebook') expect(legacy.stdout + legacy.stderr).to.contain(fallback);
    else expect(legacy.stdout + legacy.stderr).not.to.contain('asks for lab');
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
      expect((await client.request('GET', '/')).headers.get('location')).to.match(landing('/course'));
    });
  });

  it('JUPYTERHUB_SERVICE_PREFIX is the prefix when JUPYTER_BASE_URL is not set', async () => {
    await serve({ env: { JUPYTERHUB_SERVICE_PREFIX: '/user/ada' }, basePath: '/user/ada' }, async (jupyter) => {
      expect(await new JupyterClient(jupyter.base, await tokenOf(jupyter)).listWork()).to.include('01-intro.ipynb');
    });
  });

  it("NOTEBOOK_ARGS is split into words and passed to Jupyter, after (so over) run's own options", async () => {
    const args =
      family.defaultInterface === 'notebook'
        ? '--NotebookApp.base_url=/from-args/   --NotebookApp.default_url=/tree/work/lessons'
        : '--ServerApp.base_url=/from-args/   --LabApp.default_url=/lab/tree/work/lessons';
    await serve({ env: { NOTEBOOK_ARGS: args }, basePath: '/from-args' }, async (jupyter, logs) => {
      const client = new JupyterClient(jupyter.base, await tokenOf(jupyter));
      expect((await client.request('GET', '/')).headers.get('location')).to.match(new RegExp(`^/from-args${family.landing}/lessons\\??$`));
      expect(logs).not.to.match(STALE_CONFIG_WARNING);
    });
  });

  it('JUPYTER_NO_AUTH=1 serves the API without a token and prints a warning', async () => {
    await serve({ env: { JUPYTER_NO_AUTH: '1' } }, async (jupyter, logs) => {
      expect(logs).to.contain('run: WARNING: JUPYTER_NO_AUTH=1: authentication is off, anyone who can reach port 8888 can run code as this user');
      expect(logs).to.not.match(/\?token=/);
      expect(logs).not.to.match(STALE_CONFIG_WARNING);
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

  if (family.name !== 'today') {
    it('started by JupyterHub, an image without jupyterhub-singleuser (the 2016 stacks) refuses in one line, exit 1, before seeding', async () => {
      const args = ['120', 'docker', 'run', '--rm', '--label', TEST_LABEL, '--user', `${randomUid()}:0`, '-e', 'JUPYTERHUB_API_TOKEN'];
      args.push('-e', 'JUPYTERHUB_API_URL=http://hub:8081/hub/api', image);
      const result = await exec('timeout', args, { env: { ...process.env, JUPYTERHUB_API_TOKEN: 'a-hub-token' } });
      expect(result.code, result.stderr).to.equal(1);
      expect(result.stderr.split('\n').filter((line) => line.startsWith('run: '))).to.deep.equal([
        "run: JupyterHub started this server (JUPYTERHUB_API_TOKEN is set), but this image has no jupyterhub-singleuser: install JupyterHub in the image's Python, at the hub's version (pip install jupyterhub==<hub version>, or conda install -c conda-forge jupyterhub-singleuser), and build again",
      ]);
      // Seeding always says something (here: the image's work/ holds the course already): it never ran.
      expect(result.stdout + result.stderr).not.to.match(/holds the course files|seeded|a-hub-token|Traceback/);
    });
  }

  it('an empty password file stops the start with one line, exit 1, and leaves no configuration directory behind', async () => {
    const dir = await tempDir('emptypw');
    try {
      await writeFile(join(dir.path, 'pw'), '', { mode: 0o644 });
      const result = await exec('docker', [
        'run',
        '--rm',
        '--label',
        'io.tjs2i.test=1',
        '--user',
        `${randomUid()}:0`,
        '--mount',
        `type=bind,src=${join(dir.path, 'pw')},dst=/tmp/pw,readonly`,
        '-e',
        'PASSWORD_FILE=/tmp/pw',
        '--entrypoint',
        'bash',
        image,
        '-c',
        '/usr/libexec/s2i/run; echo "exit $?"; ls -A "${TMPDIR:-/tmp}" | grep -c tjs2i || true',
      ]);
      expect(result.stderr.split('\n').filter((l) => l.startsWith('run: ') && !l.includes('seed') && !l.includes('nothing copied'))).to.deep.equal([
        'run: the password is empty',
      ]);
      expect(result.stderr).not.to.contain('Traceback');
      expect(result.stdout.trim().split('\n').slice(-2)).to.deep.equal(['exit 1', '0']);
    } finally {
      await dir.remove();
    }
  });

  it('PASSWORD with a base URL: the password is required and no start-up warning names stale options', async () => {
    const password = `pw-${randomUid()}`;
    await serve({ password, env: { JUPYTER_BASE_URL: '/course/' }, basePath: '/course' }, async (jupyter, logs) => {
      expect((await new JupyterClient(jupyter.base).request('GET', '/api/contents/work')).status).to.equal(403);
      const client = new JupyterClient(jupyter.base);
      expect(await client.login('wrong')).to.equal(false);
      expect(await client.login(password)).to.equal(true);
      expect(await client.listWork()).to.include('lessons');
      expect(logs).not.to.match(STALE_CONFIG_WARNING);
      expect(logs).not.to.contain(password);
    });
  });

  it('JUPYTER_SECURE_COOKIE: only 1 marks the login cookie Secure, and NOTEBOOK_ARGS can still turn it off', async () => {
    const password = `pw-${randomUid()}`;
    const loginCookie = async (jupyter: RunningJupyter) => {
      const client = new JupyterClient(jupyter.base);
      expect(await client.login(password)).to.equal(true);
      return client.loginSetCookies.find((c) => c.startsWith('username-')) ?? '';
    };
    await serve({ password, env: { JUPYTER_SECURE_COOKIE: '1' } }, async (jupyter, logs) => {
      expect(await loginCookie(jupyter)).to.match(SECURE_COOKIE);
      expect(logs).to.contain('run: the login cookie is marked Secure (JUPYTER_SECURE_COOKIE=1: HTTPS ends in front of this server)');
      expect(logs).not.to.match(STALE_CONFIG_WARNING);
    });
    await serve({ password, env: { JUPYTER_SECURE_COOKIE: 'yes' } }, async (jupyter, logs) => {
      expect(await loginCookie(jupyter))
        .to.match(/^username-/)
        .and.not.match(SECURE_COOKIE);
      expect(logs).to.contain('run: JUPYTER_SECURE_COOKIE=yes ignored (only 1 marks the login cookie Secure)');
    });
    // The user's own option comes after run's, so it wins (and is not refused as given twice).
    const off = family.serverClass === 'NotebookApp' ? '--NotebookApp.cookie_options=secure=' : '--IdentityProvider.secure_cookie=False';
    await serve({ password, env: { JUPYTER_SECURE_COOKIE: '1', NOTEBOOK_ARGS: off } }, async (jupyter) => {
      expect(await loginCookie(jupyter))
        .to.match(/^username-/)
        .and.not.match(SECURE_COOKIE);
    });
  });

  if (family.name === '2016') {
    it('the bare jupyter_server 1 (DOCKER_STACKS_JUPYTER_CMD=server) gets its own options: a password and a Secure cookie, or none with JUPYTER_NO_AUTH=1', async () => {
      // The stand-in has jupyter_server 1.23 without its command: the test gives it one, as a pip install would.
      const dir = await tempDir('server1');
      try {
        const command = join(dir.path, 'jupyter-server');
        await writeFile(command, '#!/opt/conda/bin/python3\nfrom jupyter_server.serverapp import main\nmain()\n', { mode: 0o755 });
        const mounts = [`type=bind,src=${command},dst=/usr/local/bin/jupyter-server,readonly`];
        const password = `pw-${randomUid()}`;
        await serve({ password, mounts, env: { DOCKER_STACKS_JUPYTER_CMD: 'server', JUPYTER_SECURE_COOKIE: '1' } }, async (jupyter, logs) => {
          expect(logs).to.match(/Jupyter Server 1\.[\d.]+ is running at/);
          expect((await new JupyterClient(jupyter.base).request('GET', '/api/contents/work')).status).to.equal(403);
          const client = new JupyterClient(jupyter.base);
          expect(await client.login(password)).to.equal(true);
          expect(client.loginSetCookies.find((c) => c.startsWith('username-'))).to.match(SECURE_COOKIE);
          expect(await client.listWork()).to.include('lessons');
          expect(logs).not.to.match(STALE_CONFIG_WARNING);
        });
        await serve({ mounts, env: { DOCKER_STACKS_JUPYTER_CMD: 'server', JUPYTER_NO_AUTH: '1' } }, async (jupyter, logs) => {
          expect(logs).to.match(/Jupyter Server 1\.[\d.]+ is running at/);
          expect(await new JupyterClient(jupyter.base).listWork()).to.include('lessons');
          expect(logs).not.to.match(STALE_CONFIG_WARNING);
        });
      } finally {
        await dir.remove();
      }
    });
  }

  if (family.name === 'today') {
    it("the image's own HEALTHCHECK reports healthy under a random UID with group 0, with and without a base URL", async () => {
      for (const env of [{}, { JUPYTER_BASE_URL: '/course/' }] as Record<string, string>[]) {
        const jupyter = await runJupyter(image, { user: `${randomUid()}:0`, env });
        try {
          let status = '';
          for (const deadline = Date.now() + 60_000; Date.now() < deadline && status !== 'healthy';) {
            status = await docker('inspect', '--format', '{{.State.Health.Status}}', jupyter.id);
            if (status === 'unhealthy') break;
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
          expect(status, `${JSON.stringify(env)}\n${await jupyter.logs()}`).to.equal('healthy');
        } finally {
          await jupyter.stop();
        }
      }
    });

    describe('started by JupyterHub (JUPYTERHUB_API_TOKEN set), against a stand-in for the hub API', () => {
      let hub: FakeHub;
      /** The variables a JupyterHub 5 spawner gives a server of USER. */
      const hubEnv = (token: string, user = 'ada'): Record<string, string> => ({
        JUPYTERHUB_API_TOKEN: token,
        JUPYTERHUB_API_URL: hub.apiUrl,
        JUPYTERHUB_USER: user,
        JUPYTERHUB_BASE_URL: '/',
        JUPYTERHUB_SERVICE_PREFIX: `/user/${user}/`,
        JUPYTERHUB_SERVICE_URL: `http://0.0.0.0:8888/user/${user}/`,
        JUPYTERHUB_CLIENT_ID: `jupyterhub-user-${user}`,
        JUPYTERHUB_OAUTH_CALLBACK_URL: `/user/${user}/oauth_callback`,
      });

      before(async () => {
        hub = await startFakeHub(family.standIn);
      });

      after(async () => {
        await hub?.remove();
      });

      /**
       * Starts IMAGE with ENV under a random UID with group 0 and an empty volume on work/, as a
       * spawner would; returns how it ended and what is on the volume afterwards.
       */
      async function refusedStart(start: string, env: Record<string, string>) {
        const volume = uniqueName('hubwork');
        await docker('volume', 'create', '--label', TEST_LABEL, volume);
        const name = uniqueName('hubrefused');
        try {
          // Named, and removed below: a start that serves instead of refusing must not outlive the test.
          const args = ['run', '--name', name, '--label', TEST_LABEL, '--network', hub.network, '--user', `${randomUid()}:0`];
          for (const variable of Object.keys(env)) args.push('-e', variable);
          args.push('--mount', `type=volume,src=${volume},dst=/home/jovyan/work,volume-nocopy`, start);
          const result = await exec('timeout', ['150', 'docker', ...args], { env: { ...process.env, ...env } });
          await docker('rm', '-f', name).catch(() => undefined);
          const onVolume = await docker('run', '--rm', '--label', TEST_LABEL, '-v', `${volume}:/v`, '--entrypoint', 'ls', start, '-A', '/v');
          const runLines = result.stderr.split('\n').filter((line) => line.startsWith('run: '));
          return { ...result, runLines, onVolume };
        } finally {
          await docker('rm', '-f', name).catch(() => undefined);
          await docker('volume', 'rm', '-f', volume).catch(() => undefined);
        }
      }

      it('refuses to start, in one line, exit 1 and nothing seeded: a token the hub refuses or that is malformed, a token of another user, no hub, no or a bad API URL, not an API', async () => {
        const base = hubEnv('good-token');
        const withoutApiUrl = Object.fromEntries(Object.entries(base).filter(([name]) => name !== 'JUPYTERHUB_API_URL'));
        const cases: [Record<string, string>, RegExp][] = [
          [
            { ...base, JUPYTERHUB_API_TOKEN: 'wrong-token' },
            /^run: JupyterHub at http:\/\/tjs2i-test-fakehub-\w+:8081\/hub\/api refused this server's API token \(HTTP 403\): not starting; the token in JUPYTERHUB_API_TOKEN is wrong/,
          ],
          [{ ...base, JUPYTERHUB_API_TOKEN: 'eve-token' }, /^run: the API token belongs to eve, not to JUPYTERHUB_USER=ada: not starting$/],
          [
            { ...base, JUPYTERHUB_API_URL: 'http://tjs2i-no-such-hub:8081/hub/api' },
            /^run: cannot reach JupyterHub at http:\/\/tjs2i-no-such-hub:8081\/hub\/api \(.+\): not starting; check JUPYTERHUB_API_URL/,
          ],
          [
            { ...base, JUPYTERHUB_API_URL: `http://someone:s3cret-pw@${hub.network}:8081/hub/api`, JUPYTERHUB_API_TOKEN: 'wrong-token' },
            /^run: JupyterHub at http:\/\/tjs2i-test-fakehub-\w+:8081\/hub\/api refused/,
          ],
          [withoutApiUrl, /^run: JUPYTERHUB_API_TOKEN is set but JUPYTERHUB_API_URL is not: not starting; JupyterHub gives both/],
          [{ ...base, JUPYTERHUB_API_URL: `ftp://${hub.network}:8081/hub/api` }, /^run: JUPYTERHUB_API_URL is not an http\(s\) URL: not starting/],
          // As a secret file with a trailing line break gives it: the token must not be shown.
          [
            { ...base, JUPYTERHUB_API_TOKEN: 'good-token\n' },
            /^run: JUPYTERHUB_API_TOKEN holds blanks, line breaks or other characters no JupyterHub token has: not starting/,
          ],
          [
            { ...base, JUPYTERHUB_API_TOKEN: 'not-json-token' },
            /^run: http:\/\/\S+\/hub\/api\/user did not answer as a JupyterHub API \(not a JSON object\): not starting$/,
          ],
        ];
        const results = await Promise.all(cases.map(([env]) => refusedStart(image, env)));
        results.forEach((result, i) => {
          const context = `${JSON.stringify(cases[i]![0])}\n${result.stderr}`;
          expect(result.code, context).to.equal(1);
          expect(result.runLines, context).to.have.length(1);
          expect(result.runLines[0], context).to.match(cases[i]![1]);
          expect(result.stderr + result.stdout, context).not.to.match(/Traceback|is running at|seeded|s3cret-pw|wrong-token|eve-token|good-token/);
          expect(result.onVolume, context).to.equal('');
        });
      });

      it('an image without jupyterhub-singleuser refuses the start in one line that says what to install, and still serves standalone', async () => {
        const dir = await tempDir('nosingleuser');
        const stripped = uniqueName('nosingleuser');
        try {
          const dockerfile = `FROM ${image}\nUSER 0\nRUN rm /opt/conda/bin/jupyterhub-singleuser\nUSER 1000\n`;
          await writeFile(join(dir.path, 'Dockerfile'), dockerfile);
          await docker('build', '-q', '--label', TEST_LABEL, '-t', stripped, dir.path);
          const result = await refusedStart(stripped, hubEnv('good-token'));
          expect(result.code, result.stderr).to.equal(1);
          expect(result.runLines).to.deep.equal([
            "run: JupyterHub started this server (JUPYTERHUB_API_TOKEN is set), but this image has no jupyterhub-singleuser: install JupyterHub in the image's Python, at the hub's version (pip install jupyterhub==<hub version>, or conda install -c conda-forge jupyterhub-singleuser), and build again",
          ]);
          expect(result.onVolume).to.equal('');
          const standalone = await runJupyter(stripped, { user: `${randomUid()}:0` });
          try {
            await waitForJupyter(standalone);
            expect(await new JupyterClient(standalone.base, await tokenOf(standalone)).listWork()).to.include('lessons');
          } finally {
            await standalone.stop();
          }
        } finally {
          await docker('rmi', '-f', stripped).catch(() => undefined);
          await dir.remove();
        }
      });

      it("serves as jupyterhub-singleuser under the hub's prefix, behind the hub's login, landing in work/; PASSWORD ignored and out of the server's environment", async () => {
        const starts: { env: Record<string, string>; landing: string; command?: string }[] = [
          { env: { ...hubEnv('good-token'), PASSWORD: 'not-for-the-hub' }, landing: '/user/ada/lab/tree/work' },
          // NOTEBOOK_ARGS come after run's options, and an --ip of theirs replaces run's.
          {
            env: {
              ...hubEnv('good-token'),
              DOCKER_STACKS_JUPYTER_CMD: 'notebook',
              NOTEBOOK_ARGS: '--ServerApp.ip=0.0.0.0 --ServerApp.shutdown_no_activity_timeout=3600',
            },
            landing: '/user/ada/tree/work',
            command: '--ServerApp.ip=0.0.0.0 --ServerApp.shutdown_no_activity_timeout=3600',
          },
          // A hub older than 2.0 gives no JUPYTERHUB_SERVICE_URL: run's default listens on 8888 under the prefix.
          {
            env: Object.fromEntries(
              Object.entries({ ...hubEnv('good-token'), JUPYTERHUB_DEFAULT_URL: '/lab/tree/work/lessons' }).filter(
                ([name]) => name !== 'JUPYTERHUB_SERVICE_URL',
              ),
            ),
            landing: '/user/ada/lab/tree/work/lessons',
          },
        ];
        await Promise.all(
          starts.map(async ({ env, landing, command = '--ip=0.0.0.0' }) => {
            const server = await runJupyter(image, { user: `${randomUid()}:0`, env, network: hub.network, basePath: '/user/ada' });
            try {
              await waitForJupyter(server);
              const logs = await server.logs();
              const context = `${JSON.stringify(env)}\n${logs}`;
              expect(logs, context).to.contain(`run: JupyterHub at ${hub.apiUrl} accepted the token of ada`);
              const commands = await server.exec('for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline 2>/dev/null; echo; done | grep -v "^$"');
              expect(
                commands.split('\n').map((line) => line.trim()),
                context,
              ).to.include(`/opt/conda/bin/python3 /opt/conda/bin/jupyterhub-singleuser ${command}`);
              const home = await fetch(`${server.base}/`, { redirect: 'manual' });
              expect(new URL(home.headers.get('location') ?? '', server.base).pathname, context).to.equal(landing);
              // The hub's OAuth, not Jupyter's own token or password, guards the pages and the API.
              const page = await fetch(`${server.base}${landing.replace('/user/ada', '')}`, { redirect: 'manual' });
              expect(page.status, context).to.equal(302);
              expect(page.headers.get('location'), context).to.match(/\/hub\/api\/oauth2\/authorize\?/);
              expect((await fetch(`${server.base}/api/contents/work`)).status, context).to.equal(403);
              if (env.PASSWORD) {
                expect(logs, context).to.contain("run: PASSWORD ignored: JupyterHub authenticates this server's users and gives its path");
                expect(logs, context).not.to.contain(env.PASSWORD);
                // The server's own process (this shell's command line names it too, and has PASSWORD).
                const environ = await server.exec(
                  'for p in /proc/[0-9]*; do case $(tr "\\0" " " < $p/cmdline 2>/dev/null) in *python3" "*/jupyterhub-singleuser" "*) tr "\\0" "\\n" < $p/environ ;; esac; done',
                );
                expect(environ, context).to.contain('JUPYTERHUB_API_TOKEN=');
                expect(environ, context).not.to.match(/^PASSWORD=/m);
              }
            } finally {
              await server.stop();
            }
          }),
        );
      });
    });

    it("the stack's before-notebook.d hooks still run before run: a variable a hook exports reaches the kernel", async () => {
      const dir = await tempDir('hook');
      try {
        const hook = join(dir.path, '50-course.sh');
        await writeFile(hook, 'export COURSE_HOOK_MARK=from-the-hook\n', { mode: 0o644 });
        const mount = `type=bind,src=${hook},dst=/usr/local/bin/before-notebook.d/50-course.sh,readonly`;
        await serve({ mounts: [mount] }, async (jupyter, logs) => {
          expect(logs.indexOf('Sourcing shell script: /usr/local/bin/before-notebook.d/50-course.sh')).to.be.within(0, logs.indexOf('run: '));
          const client = new JupyterClient(jupyter.base, await tokenOf(jupyter));
          const kernel = await client.startKernel();
          const result = await client.execute(kernel, "import os; print(os.environ.get('COURSE_HOOK_MARK'))");
          expect(result.stdout.trim()).to.equal('from-the-hook');
        });
      } finally {
        await dir.remove();
      }
    });
  }
}
