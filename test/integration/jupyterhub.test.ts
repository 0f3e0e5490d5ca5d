/**
 * A class on a real JupyterHub 5 (the fixture tjs2i-fixture-hub: Debian's JupyterHub 5.2.1, its
 * proxy, a small Docker spawner on the hub's Spawner API; test/support/integration/hub.ts). The hub
 * starts each student's server from a course image tjs2i built, as a new random UID with group 0 and
 * the student's own volume on work/, leaving the image's command alone (as KubeSpawner with the
 * chart's `cmd: null`). Two students log in through the hub's proxy in a real browser. What is
 * asserted is the course image's behaviour (run's single-user mode, seeding, group 0), not the
 * fixture's. On today's family only: the 2016 stand-ins have no jupyterhub-singleuser.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { keepEvidence, launchBrowser, missingAssets, openPage, type WatchedPage } from '../support/integration/browser.js';
import { writeTree } from '../support/integration/course-fixtures.js';
import { FAMILIES, FAMILY_TODAY, familyBuilder } from '../support/integration/families.js';
import { docker, exec, tempDir, TEST_LABEL, tjs2i, uniqueName } from '../support/integration/helpers.js';
import { Hub } from '../support/integration/hub.js';
import { LAB, runFirstCell } from '../support/integration/notebook-ui.js';

const WORK = '/home/jovyan/work';
const itToday = FAMILIES.includes(FAMILY_TODAY) ? it : it.skip;

/** A notebook whose one code cell shows the kernel's UID and GID. */
const IDS_NOTEBOOK = JSON.stringify({
  cells: [{ cell_type: 'code', execution_count: null, id: 'ids', metadata: {}, outputs: [], source: 'import os; os.getuid(), os.getgid()' }],
  metadata: { kernelspec: { display_name: 'Python 3 (ipykernel)', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
  nbformat: 4,
  nbformat_minor: 5,
});

interface ServerContainer {
  uid: number;
  gid: number;
  volumes: string[];
}

/** The UID:GID a server container runs as and the volumes it mounts. */
async function serverContainer(name: string): Promise<ServerContainer> {
  const [container] = JSON.parse(await docker('container', 'inspect', name)) as { Config: { User: string }; Mounts: { Type: string; Name?: string }[] }[];
  if (!container) throw new Error(`no container ${name}`);
  const [uid, gid] = container.Config.User.split(':').map(Number);
  return { uid: uid ?? NaN, gid: gid ?? NaN, volumes: container.Mounts.filter((m) => m.Type === 'volume').map((m) => m.Name ?? '') };
}

const exists = async (kind: 'container' | 'volume', name: string) => (await exec('docker', [kind, 'inspect', name])).code === 0;

describe('jupyterhub: a class on a real JupyterHub 5, students in a real browser (course image, today family)', function () {
  this.timeout(600_000);
  let image: string;
  let hub: Hub;
  let browser: Browser;
  const pages: Record<string, WatchedPage> = {};
  const uids: Record<string, number[]> = { alice: [], bob: [] };

  before(async function () {
    if (!FAMILIES.includes(FAMILY_TODAY)) return;
    const dir = await tempDir('hubcourse');
    try {
      await writeTree(dir.path, { 'notebooks/ids.ipynb': IDS_NOTEBOOK, 'syllabus.md': '# Syllabus\n' });
      image = uniqueName('hubcourse');
      const built = await tjs2i(['build', dir.path, await familyBuilder(FAMILY_TODAY), image, '--copy']);
      expect(built.code, built.stderr).to.equal(0);
    } finally {
      await dir.remove();
    }
    hub = await Hub.start({ image });
    browser = await launchBrowser();
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const [user, watched] of Object.entries(pages)) await keepEvidence(watched, `${this.currentTest.title} ${user}`);
    for (const user of ['alice', 'bob']) console.error(`    ${user}'s server log:\n${await hub?.serverLogs(user)}`);
  });

  after(async () => {
    for (const watched of Object.values(pages)) await watched.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await hub?.stop();
    if (image) await docker('rmi', '-f', image).catch(() => undefined);
  });

  /** Logs USER in through the hub's login page; their server starts; they land in the course. */
  async function logIn(user: string): Promise<WatchedPage> {
    const watched = await openPage(browser);
    pages[user] = watched;
    const { page } = watched;
    await page.goto(`${hub.url}/hub/login`);
    await page.locator('input[name=username]').fill(user);
    await page.locator('input[name=password]').fill(hub.password);
    await page.locator('input[name=password]').press('Enter');
    await page.waitForURL((url) => url.pathname === `/user/${user}/lab/tree/work`, { timeout: 180_000 });
    await page.locator(LAB.listItem, { hasText: 'syllabus.md' }).first().waitFor();
    return watched;
  }

  /** The notebook as the user's server has it on disk (through the proxy, with the hub's admin token). */
  async function savedNotebook(user: string): Promise<string> {
    const res = await hub.request('GET', `/user/${user}/api/contents/work/notebooks/ids.ipynb`);
    expect(res.status, `${user}'s notebook`).to.equal(200);
    return JSON.stringify(((await res.json()) as { content: unknown }).content);
  }

  async function waitForSaved(user: string, expected: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const saved = await savedNotebook(user);
      if (saved.includes(expected)) return;
      if (Date.now() > deadline) throw new Error(`${user}'s notebook was not saved with ${expected}: ${saved}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  itToday(
    "alice logs in; her server starts from the course image under a random UID with group 0, on her own volume seeded with the course, and she lands in JupyterLab's work/",
    async () => {
      const { page, problems } = await logIn('alice');
      const names = (await page.locator(LAB.listItem).allInnerTexts()).join('\n');
      expect(names).to.contain('notebooks').and.to.contain('syllabus.md');
      const alice = await serverContainer(hub.containerName('alice'));
      expect(alice.uid).to.be.within(1_000_000_000, 2_000_000_000);
      expect(alice.gid).to.equal(0);
      expect(alice.volumes).to.deep.equal([hub.volumeName('alice')]);
      uids.alice!.push(alice.uid);
      const logs = await hub.serverLogs('alice');
      expect(logs).to.contain(`run: JupyterHub at http://${hub.name}:8081/hub/api accepted the token of alice`);
      expect(logs).to.match(/run: seeded \/home\/jovyan\/work from the image: copied 2 \(notebooks syllabus\.md\)/);
      expect(logs).not.to.contain('Traceback');
      expect(missingAssets(problems), problems.join('\n')).to.deep.equal([]);
    },
  );

  itToday('alice runs a cell in the course notebook: the kernel runs as her UID with group 0, and her save reaches her volume', async () => {
    const { page } = pages.alice!;
    const uid = uids.alice![0]!;
    await page.goto(`${hub.url}/user/alice${LAB.notebookPath('notebooks/ids.ipynb')}`);
    await runFirstCell(page, LAB, `(${uid}, 0)`);
    await page.keyboard.press('Control+s');
    await waitForSaved('alice', `(${uid}, 0)`);
  });

  itToday("bob gets his own server (another random UID, his own seeded volume) and cannot reach alice's", async () => {
    const { page, problems } = await logIn('bob');
    const bob = await serverContainer(hub.containerName('bob'));
    expect(bob.gid).to.equal(0);
    expect(bob.uid).to.be.within(1_000_000_000, 2_000_000_000).and.not.equal(uids.alice![0]);
    expect(bob.volumes).to.deep.equal([hub.volumeName('bob')]);
    uids.bob!.push(bob.uid);
    expect(await hub.serverLogs('bob')).to.match(/run: seeded \/home\/jovyan\/work from the image: copied 2/);
    // Bob's own copy: the course notebook without alice's output.
    expect(await savedNotebook('bob')).not.to.contain(`(${uids.alice![0]}, 0)`);

    // With bob's browser session: alice's files are refused, and no name of hers is shown.
    const api = await page.request.get(`${hub.url}/user/alice/api/contents/work/notebooks`, { maxRedirects: 10 });
    expect(api.status(), await api.text()).to.be.oneOf([401, 403]);
    expect(await api.text()).not.to.contain('ids.ipynb');
    const other = await page.goto(`${hub.url}/user/alice/lab/tree/work`);
    expect(other?.status()).to.equal(403);
    expect(await page.locator(LAB.listItem).count()).to.equal(0);
    // With a token of bob's own, as a script of his would use.
    const token = await hub.api('POST', '/users/bob/tokens', { note: 'tjs2i test', expires_in: 600 });
    expect(token.status).to.equal(201);
    const bobToken = ((await token.json()) as { token: string }).token;
    const withToken = await fetch(`${hub.url}/user/alice/api/contents/work/notebooks`, { headers: { authorization: `token ${bobToken}` } });
    expect(withToken.status).to.equal(403);
    expect(await withToken.text()).not.to.contain('ids.ipynb');
    expect(missingAssets(problems), problems.join('\n')).to.deep.equal([]);
  });

  itToday(
    "the hub's stop removes alice's container and keeps her volume; started again under a new UID, her saved notebook is there with its output, and she saves again",
    async () => {
      await hub.stopServer('alice');
      expect(await exists('container', hub.containerName('alice')), 'container after stop').to.equal(false);
      expect(await exists('volume', hub.volumeName('alice')), 'volume after stop').to.equal(true);

      await hub.startServer('alice');
      const again = await serverContainer(hub.containerName('alice'));
      expect(again.gid).to.equal(0);
      expect(again.uid).to.not.equal(uids.alice![0]);
      const logs = await hub.serverLogs('alice');
      expect(logs).to.contain(`run: ${WORK} holds the course files already (.tjs2i-seeded); nothing copied`);

      const { page } = pages.alice!;
      await page.goto(`${hub.url}/user/alice${LAB.notebookPath('notebooks/ids.ipynb')}`);
      await page
        .locator(LAB.output, { hasText: `(${uids.alice![0]}, 0)` })
        .first()
        .waitFor();
      await runFirstCell(page, LAB, `(${again.uid}, 0)`);
      await page.keyboard.press('Control+s');
      await waitForSaved('alice', `(${again.uid}, 0)`);
    },
  );

  itToday('a server given a token the hub refuses does not start: one line from run, exit 1, nothing written to the volume', async () => {
    const volume = uniqueName('hubrefused');
    await docker('volume', 'create', '--label', TEST_LABEL, volume);
    try {
      const env = { JUPYTERHUB_API_TOKEN: 'not-a-token-of-this-hub', JUPYTERHUB_API_URL: `http://${hub.name}:8081/hub/api`, JUPYTERHUB_USER: 'alice' };
      const args = ['run', '--rm', '--label', TEST_LABEL, '--network', hub.network, '--user', '1234567890:0', '-e', 'JUPYTERHUB_API_TOKEN'];
      args.push('-e', `JUPYTERHUB_API_URL=${env.JUPYTERHUB_API_URL}`, '-e', 'JUPYTERHUB_USER=alice');
      args.push('--mount', `type=volume,src=${volume},dst=${WORK},volume-nocopy`, image);
      const result = await exec('docker', args, { env: { ...process.env, ...env } });
      expect(result.code, result.stderr).to.equal(1);
      expect(result.stderr.split('\n').filter((line) => line.startsWith('run: '))).to.deep.equal([
        `run: JupyterHub at http://${hub.name}:8081/hub/api refused this server's API token (HTTP 403): not starting; the token in JUPYTERHUB_API_TOKEN is wrong, expired or revoked (the hub gives a new one at each start)`,
      ]);
      expect(result.stdout + result.stderr).not.to.contain(env.JUPYTERHUB_API_TOKEN);
      expect(await docker('run', '--rm', '--label', TEST_LABEL, '-v', `${volume}:/v`, '--entrypoint', 'ls', image, '-A', '/v')).to.equal('');
    } finally {
      await docker('volume', 'rm', '-f', volume).catch(() => undefined);
    }
  });
});
