import { expect } from 'chai';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpointSource, resolveDockerHost } from '../../../src/engine/docker-host.js';
import { createEngine } from '../../../src/engine/engine.js';
import { localSocketCandidates, type LocalSocket } from '../../../src/engine/local-sockets.js';
import { PODMAN_4_3 } from '../../support/unit/engine-versions.js';

const HOME = '/home/ada';

describe('local-sockets: the engine found without --docker-host or DOCKER_HOST', () => {
  let dir: string;
  let servers: Server[];
  /** Docker's, rootless Podman's ($XDG_RUNTIME_DIR/podman/podman.sock) and rootful Podman's paths, in the temp dir. */
  let docker: string, xdg: string, rootless: string, rootful: string;
  const candidates = (env: NodeJS.ProcessEnv = { XDG_RUNTIME_DIR: xdg }): LocalSocket[] => localSocketCandidates(env, { docker, rootfulPodman: rootful });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tjs2i-unit-sockets-'));
    servers = [];
    docker = join(dir, 'var-run', 'docker.sock');
    xdg = join(dir, 'xdg');
    rootless = join(xdg, 'podman', 'podman.sock');
    rootful = join(dir, 'run-podman', 'podman.sock');
    for (const path of [docker, rootless, rootful]) await mkdir(join(path, '..'), { recursive: true });
  });
  afterEach(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await rm(dir, { recursive: true, force: true });
  });

  /** A real unix socket listening at `path`. */
  async function listen(path: string, server: Server = createServer()): Promise<void> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
  }

  it("looks at Docker's socket, then $XDG_RUNTIME_DIR/podman/podman.sock, then /run/podman/podman.sock", () => {
    expect(localSocketCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' }).map((c) => c.path)).to.deep.equal([
      '/var/run/docker.sock',
      '/run/user/1000/podman/podman.sock',
      '/run/podman/podman.sock',
    ]);
    expect(localSocketCandidates({}).map((c) => c.path)).to.deep.equal(['/var/run/docker.sock', '/run/podman/podman.sock']);
    expect(localSocketCandidates({ XDG_RUNTIME_DIR: 'relative' }).map((c) => c.path)).to.deep.equal(['/var/run/docker.sock', '/run/podman/podman.sock']);
  });

  it("takes Docker's socket first, then rootless Podman's, then rootful Podman's, saying why", async () => {
    await listen(docker);
    await listen(rootless);
    await listen(rootful);
    expect(resolveDockerHost(undefined, {}, HOME, candidates())).to.deep.equal({
      kind: 'unix',
      url: `unix://${docker}`,
      socketPath: docker,
      source: 'the Docker socket: neither --docker-host nor DOCKER_HOST is set',
    });
    await rm(docker);
    expect(resolveDockerHost(undefined, {}, HOME, candidates())).to.deep.equal({
      kind: 'unix',
      url: `unix://${rootless}`,
      socketPath: rootless,
      source: `the rootless Podman socket: neither --docker-host nor DOCKER_HOST is set, and there is no ${docker}`,
    });
    expect(resolveDockerHost(undefined, {}, HOME, candidates({}))).to.deep.equal({
      kind: 'unix',
      url: `unix://${rootful}`,
      socketPath: rootful,
      source: `the rootful Podman socket: neither --docker-host nor DOCKER_HOST is set, and there is no ${docker}`,
    });
    await rm(rootless);
    expect(endpointSource(resolveDockerHost(undefined, {}, HOME, candidates()), undefined, {})).to.equal(
      `the rootful Podman socket: neither --docker-host nor DOCKER_HOST is set, and there is no ${docker} or ${rootless}`,
    );
  });

  it('chooses only a socket that exists: not a regular file, nor a missing path; a link to a socket counts', async () => {
    await writeFile(docker, '');
    await mkdir(rootless); // a directory is not a socket either
    expect(resolveDockerHost(undefined, {}, HOME, candidates())).to.deep.equal({
      kind: 'dockerode',
      url: 'unix:///var/run/docker.sock',
      source: `neither --docker-host nor DOCKER_HOST is set, and there is no socket at ${docker}, ${rootless} or ${rootful}`,
    });
    await listen(rootful);
    await rm(docker);
    await symlink(rootful, docker); // Fedora's podman-docker: /var/run/docker.sock -> /run/podman/podman.sock
    expect(resolveDockerHost(undefined, {}, HOME, candidates()).url).to.equal(`unix://${docker}`);
  });

  it('--docker-host and DOCKER_HOST win over every socket found', async () => {
    await listen(docker);
    await listen(rootless);
    expect(resolveDockerHost(undefined, { DOCKER_HOST: 'tcp://10.1.2.3:2375', XDG_RUNTIME_DIR: xdg }, HOME, candidates())).to.deep.equal({
      kind: 'tcp',
      url: 'tcp://10.1.2.3:2375',
      host: '10.1.2.3',
      port: 2375,
    });
    expect(resolveDockerHost('unix:///x.sock', { DOCKER_HOST: 'tcp://10.1.2.3:2375' }, HOME, candidates()).url).to.equal('unix:///x.sock');
    const host = resolveDockerHost(undefined, {}, HOME, candidates());
    expect(endpointSource(host, 'unix:///x.sock', {})).to.equal('from --docker-host');
    expect(endpointSource(host, undefined, { DOCKER_HOST: 'tcp://h:1' })).to.equal('from DOCKER_HOST');
    expect(endpointSource(host, undefined, {})).to.equal('the Docker socket: neither --docker-host nor DOCKER_HOST is set');
  });

  it('an engine made without an endpoint talks to rootless Podman on its socket and tells it is Podman', async () => {
    const requests: string[] = [];
    const podman = createHttpServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(PODMAN_4_3));
    });
    await listen(rootless, podman as unknown as Server);
    const engine = createEngine({ env: { XDG_RUNTIME_DIR: xdg }, sockets: candidates() });
    expect(engine.endpoint).to.equal(`unix://${rootless}`);
    expect(engine.endpointSource).to.equal(`the rootless Podman socket: neither --docker-host nor DOCKER_HOST is set, and there is no ${docker}`);
    const identity = await engine.identify(AbortSignal.timeout(10_000));
    expect(identity).to.include({ kind: 'podman', version: '4.3.1', apiVersion: '1.41' });
    expect(requests).to.have.length(1);
    expect(requests[0]).to.match(/^GET (\/v[\d.]+)?\/version$/);
  });
});
