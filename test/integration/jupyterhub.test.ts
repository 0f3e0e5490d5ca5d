/**
 * A real JupyterHub 5 (the fixture tjs2i-fixture-hub: Debian's JupyterHub 5.2.1, its proxy, a small
 * Docker spawner) starting single-user servers as containers on the engine, driven through its REST
 * API and its proxy (test/support/integration/hub.ts). On today's family of stand-ins only: the
 * 2016 stand-ins have no jupyterhub-singleuser.
 *
 * These first tests check the fixture itself with the plain stand-in as the course image: today's
 * stand-in switches to jupyterhub-singleuser when the hub gives JUPYTERHUB_API_TOKEN, but like
 * upstream's image it cannot run under an arbitrary UID with group 0 (its home is not group 0's),
 * so a working server is started as uid 1000 with group 0, and the random UIDs are seen failing as
 * upstream's image fails.
 */
import { expect } from 'chai';
import { FAMILIES, FAMILY_TODAY } from '../support/integration/families.js';
import { docker, exec } from '../support/integration/helpers.js';
import { Hub, SpawnError } from '../support/integration/hub.js';

const WORK = '/home/jovyan/work';
const itToday = FAMILIES.includes(FAMILY_TODAY) ? it : it.skip;

interface ContainerFacts {
  User: string;
  Mounts: { Type: string; Name?: string; Destination: string }[];
}

async function containerFacts(name: string): Promise<ContainerFacts> {
  const [container] = JSON.parse(await docker('container', 'inspect', name)) as { Config: { User: string }; Mounts: ContainerFacts['Mounts'] }[];
  if (!container) throw new Error(`no container ${name}`);
  return { User: container.Config.User, Mounts: container.Mounts };
}

const exists = async (kind: 'container' | 'volume', name: string) => (await exec('docker', [kind, 'inspect', name])).code === 0;

/** The random UID a server container was started as (`<uid>:0`), checked to be in the spawner's range. */
function randomUidOf(user: string): number {
  const match = /^(\d+):0$/.exec(user);
  expect(match, `container user ${user}`).to.not.equal(null);
  const uid = Number(match?.[1]);
  expect(uid).to.be.within(1_000_000_000, 2_000_000_000);
  return uid;
}

/** Posts the hub's login form as a browser would (its _xsrf field and cookie); the hub's answer, not followed. */
async function logIn(hub: Hub, username: string, password: string): Promise<Response> {
  const form = await fetch(`${hub.url}/hub/login`);
  const cookie = form.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const xsrf = /name="_xsrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  return fetch(`${hub.url}/hub/login`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password, _xsrf: xsrf }).toString(),
    redirect: 'manual',
  });
}

describe('jupyterhub: a real JupyterHub 5 starting servers from a course image (fixture)', function () {
  this.timeout(600_000);
  let hub: Hub;

  before(async () => {
    if (FAMILIES.includes(FAMILY_TODAY)) hub = await Hub.start({ image: FAMILY_TODAY.standIn });
  });

  after(async () => {
    await hub?.stop();
  });

  itToday('answers /hub/api/ as JupyterHub 5.2.1, and its login page loads every script and style', async () => {
    const api = await fetch(`${hub.url}/hub/api/`);
    expect(api.status).to.equal(200);
    expect(await api.json()).to.deep.equal({ version: '5.2.1' });
    const login = await fetch(`${hub.url}/hub/login`);
    expect(login.status).to.equal(200);
    const page = await login.text();
    const assets = [...page.matchAll(/(?:src|href)="(\/hub\/static\/[^"?]+)/g)].map((m) => m[1] ?? '');
    // The login page names its scripts through require.js' paths too: moment is one of them.
    assets.push('/hub/static/components/moment/moment.js');
    expect(assets.length).to.be.greaterThan(3);
    for (const asset of assets) expect((await fetch(`${hub.url}${asset}`)).status, asset).to.equal(200);
  });

  itToday("logs an allowed user in with the hub's password, and refuses a wrong password and a user not allowed", async () => {
    const alice = await logIn(hub, 'alice', hub.password);
    expect(alice.status).to.equal(302);
    expect(alice.headers.getSetCookie().some((line) => line.startsWith('jupyterhub-session-id='))).to.equal(true);
    // A refused login shows the form again (200) with the reason, and no redirect.
    for (const [user, password] of [
      ['alice', `${hub.password}x`],
      ['mallory', hub.password],
    ] as const) {
      const refused = await logIn(hub, user, password);
      expect(refused.status, user).to.equal(200);
      expect(await refused.text(), user).to.include('Invalid username or password');
    }
  });

  itToday(
    'starts a server through the API, serves it through the proxy with its group-0 volume, and stopping removes the container but keeps the volume',
    async () => {
      const server = await hub.startServer('alice', { user: '1000:0' });
      expect(server.url).to.equal('/user/alice/');
      const container = hub.containerName('alice');
      const facts = await containerFacts(container);
      expect(facts.User).to.equal('1000:0');
      expect(facts.Mounts.find((m) => m.Destination === WORK)).to.include({ Type: 'volume', Name: hub.volumeName('alice') });
      // The volume as a PVC with fsGroup 0 leaves it: group 0, set-group-ID, group-writable.
      expect(await docker('exec', container, 'stat', '-c', '%g %a', WORK)).to.equal('0 2775');

      const status = await hub.request('GET', '/user/alice/api/status');
      expect(status.status, await status.clone().text()).to.equal(200);
      const write = await hub.request('PUT', '/user/alice/api/contents/work/hello.txt', { type: 'file', format: 'text', content: 'hello' });
      expect(write.status, await write.clone().text()).to.equal(201);

      await hub.stopServer('alice');
      expect(await exists('container', container), 'container after stop').to.equal(false);
      expect(await exists('volume', hub.volumeName('alice')), 'volume after stop').to.equal(true);
    },
  );

  itToday("gives every start a new random UID with group 0, under which the plain stand-in fails as upstream's image does", async () => {
    const uids: number[] = [];
    for (let start = 0; start < 2; start++) {
      const error = await hub.startServer('bob').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(SpawnError);
      expect((error as SpawnError).containerLogs).to.match(FAMILY_TODAY.problem);
      uids.push(randomUidOf((await containerFacts(hub.containerName('bob'))).User));
      // The failed start is still pending at the hub (until its http_timeout): stopping interrupts it.
      await hub.stopServer('bob');
    }
    expect(uids[1]).to.not.equal(uids[0]);
    expect(await exists('volume', hub.volumeName('bob'))).to.equal(true);
  });
});
