/**
 * A real JupyterHub 5 for the JupyterHub tests: the fixture image tjs2i-fixture-hub
 * (test/fixtures/jupyterhub/: JupyterHub 5.2.1, configurable-http-proxy, DummyAuthenticator and a
 * small Docker spawner) on a network of the test's own, with the engine's socket mounted so that its
 * spawner starts each user's server from a course image as a sibling container on that network.
 *
 * The test reaches the hub only through its proxy, published on 127.0.0.1; the hub, the proxy and the
 * servers talk to each other over the test's network by container name. The password and the admin
 * token are random and reach the hub through `docker run -e NAME` and the child's environment, never
 * a command line. `stop()` stops the hub (which stops the servers it started) and removes everything
 * this hub made: containers, the users' volumes, the network.
 */
import { randomBytes } from 'node:crypto';
import { ENGINE_SOCKET } from './engine-proxy.js';
import { docker, exec, TEST_LABEL, uniqueName } from './helpers.js';

export const HUB_FIXTURE = 'tjs2i-fixture-hub:latest';
/** The users the hub allows unless told otherwise (created when it starts: no login needed to spawn). */
export const HUB_USERS = ['alice', 'bob'];
/** How long a server may take to become ready: the fixture's Spawner.start_timeout and http_timeout. */
const SPAWN_TIMEOUT_MS = 180_000;
const POLL_MS = 500;

export interface HubOptions {
  /** The course image every server starts from unless a start names another (TJS2I_HUB_IMAGE). */
  image: string;
  /** The users allowed to log in. */
  users?: string[];
}

/** What a start may ask of the spawner (the hub's user_options; reused by the next start without any). */
export interface ServerOptions {
  /** The course image for this start. */
  image?: string;
  /** `uid:gid` instead of a new random UID (1_000_000_000..2_000_000_000) with group 0. */
  user?: string;
  /** Variables added to those the hub gives. */
  environment?: Record<string, string>;
}

/** A server as the hub's REST API shows it (GET /hub/api/users/<name>, `servers[""]`). */
export interface ServerModel {
  name: string;
  ready: boolean;
  pending: string | null;
  url: string;
  user_options: ServerOptions;
  state: { container_name?: string };
}

export interface UserModel {
  name: string;
  pending: string | null;
  servers: Record<string, ServerModel>;
}

/** A start that failed: the hub's answer and the server container's log, when there was one. */
export class SpawnError extends Error {
  constructor(
    message: string,
    readonly containerLogs: string,
  ) {
    super(containerLogs ? `${message}\n--- the server container's log:\n${containerLogs}` : message);
  }
}

/** The engine's socket to mount into the hub: the one DOCKER_HOST names when it is a unix socket. */
export function engineSocketPath(dockerHost = process.env.DOCKER_HOST): string {
  return dockerHost?.startsWith('unix://') ? dockerHost.slice('unix://'.length) : ENGINE_SOCKET;
}

/** A user or server name as the spawner writes it into container and volume names. */
const dockerName = (text: string) => text.replace(/[^a-zA-Z0-9_.-]/g, '-');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Hub {
  private constructor(
    /** The hub container's name, which is also its network's and the prefix of what its spawner makes. */
    readonly name: string,
    /** http://127.0.0.1:PORT: the hub's proxy, where a browser goes (/hub/login, /user/<name>/...). */
    readonly url: string,
    /** The DummyAuthenticator's password: any allowed user name logs in with it. */
    readonly password: string,
    /** The API token of the service tjs2i-test (start and stop servers, read users, reach servers). */
    readonly adminToken: string,
  ) {}

  /** Starts a hub and waits until its API answers; on failure nothing it made is left. */
  static async start(options: HubOptions): Promise<Hub> {
    const name = uniqueName('hub');
    const secrets = { TJS2I_HUB_PASSWORD: randomBytes(12).toString('hex'), TJS2I_HUB_ADMIN_TOKEN: randomBytes(24).toString('hex') };
    await docker('network', 'create', '--label', TEST_LABEL, name);
    try {
      await runHubContainer(name, options, secrets);
      const hub = new Hub(name, `http://127.0.0.1:${await publishedPort(name)}`, secrets.TJS2I_HUB_PASSWORD, secrets.TJS2I_HUB_ADMIN_TOKEN);
      await hub.waitForApi();
      return hub;
    } catch (error) {
      await removeHubResources(name);
      throw error;
    }
  }

  /** The hub's network, shared with the servers it starts. */
  get network(): string {
    return this.name;
  }

  /** The container the spawner runs a user's (default) server in. */
  containerName(user: string): string {
    return `${this.name}-${dockerName(user)}`;
  }

  /** The user's volume, mounted on /home/jovyan/work and kept when the server stops. */
  volumeName(user: string): string {
    return `${this.name}-work-${dockerName(user)}`;
  }

  /** Any path through the proxy with the admin token, e.g. `/user/alice/api/status`. */
  request(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<Response> {
    const headers: Record<string, string> = { authorization: `token ${this.adminToken}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${this.url}${path}`, {
      method,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  }

  /** The hub's REST API with the admin token: `api('GET', '/users/alice')` asks /hub/api/users/alice. */
  api(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<Response> {
    return this.request(method, `/hub/api${path}`, body, timeoutMs);
  }

  async user(name: string): Promise<UserModel> {
    const res = await this.api('GET', `/users/${encodeURIComponent(name)}`);
    if (res.status !== 200) throw new Error(`GET /hub/api/users/${name} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as UserModel;
  }

  /**
   * Starts the user's server through the REST API and waits until the hub says it is ready. Rejects
   * with a SpawnError (holding the container's log) as soon as the hub refuses or the container exits,
   * rather than after the hub's own timeout.
   */
  async startServer(user: string, options?: ServerOptions): Promise<ServerModel> {
    // A container a failed start left is replaced by the spawner: its exit must not count as this start's.
    const stale = await containerId(this.containerName(user));
    // Without a body the hub reuses the user's last options; `{}` would clear them.
    // The hub answers once the spawner's start returned, or after its slow_spawn_timeout (10 s) with 202,
    // or a start that failed within it with 500.
    const res = await this.api('POST', `/users/${encodeURIComponent(user)}/server`, options, SPAWN_TIMEOUT_MS);
    if (res.status !== 201 && res.status !== 202)
      throw new SpawnError(`starting ${user}'s server: HTTP ${res.status} ${await res.text()}`, await this.serverLogs(user));
    const deadline = Date.now() + SPAWN_TIMEOUT_MS;
    for (;;) {
      const server = (await this.user(user)).servers[''];
      if (server?.ready) return server;
      await this.failIfExited(user, stale);
      if (Date.now() > deadline) throw new SpawnError(`${user}'s server was not ready within ${SPAWN_TIMEOUT_MS} ms`, await this.serverLogs(user));
      await sleep(POLL_MS);
    }
  }

  /** Stops the user's server through the REST API (also a start still pending) and waits until the hub has no server for them. */
  async stopServer(user: string): Promise<void> {
    const res = await this.api('DELETE', `/users/${encodeURIComponent(user)}/server`, undefined, 60_000);
    if (res.status !== 202 && res.status !== 204) throw new Error(`stopping ${user}'s server: HTTP ${res.status} ${await res.text()}`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const model = await this.user(user);
      if (Object.keys(model.servers).length === 0 && !model.pending) return;
      if (Date.now() > deadline) throw new Error(`${user}'s server was still there 60 s after the hub was asked to stop it: ${JSON.stringify(model)}`);
      await sleep(POLL_MS);
    }
  }

  /** The hub's log (the hub and its proxy). */
  async logs(): Promise<string> {
    return containerLogs(this.name);
  }

  /** The log of the user's server container ('' when there is none). */
  async serverLogs(user: string): Promise<string> {
    return containerLogs(this.containerName(user));
  }

  /**
   * Stops the hub (SIGTERM: it stops the servers it started, cleanup_servers) and removes whatever
   * this hub made that is still there. Best-effort: it never throws, so it cannot hide a test's error.
   */
  async stop(): Promise<void> {
    await exec('docker', ['stop', '--time', '60', this.name]);
    await removeHubResources(this.name);
  }

  private async waitForApi(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`${this.url}/hub/api/`, { signal: AbortSignal.timeout(2000) })).status === 200) return;
      } catch {
        // not listening yet
      }
      if (!(await isRunning(this.name))) throw new Error(`the hub exited before its API answered:\n${await this.logs()}`);
      await sleep(250);
    }
    throw new Error(`the hub's API did not answer within ${timeoutMs} ms:\n${await this.logs()}`);
  }

  private async failIfExited(user: string, stale: string | undefined): Promise<void> {
    const state = await exec('docker', ['inspect', '--format', '{{.Id}} {{.State.Status}} {{.State.ExitCode}}', this.containerName(user)]);
    const [id, status, code] = state.stdout.trim().split(' ');
    if (state.code === 0 && id !== stale && (status === 'exited' || status === 'dead')) {
      throw new SpawnError(`${user}'s server container exited (${code}) before it was ready`, await this.serverLogs(user));
    }
  }
}

/** `docker run` of the hub: secrets as `-e NAME` from the child's environment, the proxy on 127.0.0.1 only. */
async function runHubContainer(name: string, options: HubOptions, secrets: Record<string, string>): Promise<void> {
  const settings = {
    TJS2I_HUB_NAME: name,
    TJS2I_HUB_USERS: (options.users ?? HUB_USERS).join(','),
    TJS2I_HUB_IMAGE: options.image,
    TJS2I_HUB_NETWORK: name,
    TJS2I_HUB_PREFIX: name,
    // The hub's own label lets its teardown find exactly what it made; the test label, the root hook's cleanup.
    TJS2I_HUB_LABELS: `${TEST_LABEL},io.tjs2i.hub=${name}`,
  };
  const args = ['run', '-d', '--name', name, '--label', TEST_LABEL, '--label', `io.tjs2i.hub=${name}`, '--network', name];
  args.push('-p', '127.0.0.1::8000', '-v', `${engineSocketPath()}:/var/run/docker.sock`);
  for (const [key, value] of Object.entries(settings)) args.push('-e', `${key}=${value}`);
  for (const key of Object.keys(secrets)) args.push('-e', key);
  args.push(HUB_FIXTURE);
  const result = await exec('docker', args, { env: { ...process.env, ...secrets } });
  if (result.code !== 0) throw new Error(`docker run ${HUB_FIXTURE} failed: ${result.stderr.trim()}`);
}

async function publishedPort(container: string): Promise<number> {
  const mapping = await docker('port', container, '8000/tcp');
  const port = Number(mapping.split('\n')[0]?.split(':').pop());
  if (!Number.isInteger(port) || port <= 0) throw new Error(`no published port for the hub in: ${mapping}`);
  return port;
}

async function containerId(container: string): Promise<string | undefined> {
  const result = await exec('docker', ['inspect', '--format', '{{.Id}}', container]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

async function isRunning(container: string): Promise<boolean> {
  return (await exec('docker', ['inspect', '--format', '{{.State.Running}}', container])).stdout.trim() === 'true';
}

async function containerLogs(container: string): Promise<string> {
  const result = await exec('docker', ['logs', container]);
  return result.code === 0 ? result.stdout + result.stderr : '';
}

/** Removes the hub's containers (its own and its servers'), volumes and network; errors are ignored. */
async function removeHubResources(name: string): Promise<void> {
  const filter = `label=io.tjs2i.hub=${name}`;
  const containers = (await exec('docker', ['ps', '-aq', '--filter', filter])).stdout.split('\n').filter(Boolean);
  if (containers.length) await exec('docker', ['rm', '-f', '--volumes', ...containers]);
  const volumes = (await exec('docker', ['volume', 'ls', '-q', '--filter', filter])).stdout.split('\n').filter(Boolean);
  if (volumes.length) await exec('docker', ['volume', 'rm', '-f', ...volumes]);
  await exec('docker', ['network', 'rm', name]);
}
