/**
 * tjs2i in a container (the repository's Dockerfile), as a CI job or a build pod runs it: against a
 * sibling engine through the mounted socket, a remote one through DOCKER_HOST=tcp:// (plain and
 * TLS, certificates copied into the container), and with no engine at all (--as-dockerfile). The
 * course exists only inside the tjs2i container, cloned there from a git server that runs as a
 * container on the test network: the engine never sees a path of the tjs2i container, and the
 * socket is the only mount, in the socket case only. Each output runs under a random UID of group 0.
 *
 * The tcp and TLS proxies to the local socket listen on the test network's gateway address (the
 * TLS server certificate names it), which containers on that network reach like any remote host.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import tar from 'tar-stream';
import { notebook, writeTree } from '../support/integration/course-fixtures.js';
import { ENGINE_SOCKET, startTcpProxy, startTlsProxy, type EngineProxy } from '../support/integration/engine-proxy.js';
import { git } from '../support/integration/git-server.js';
import { docker, exec, inspectImage, randomUid, ROOT, TEST_LABEL, tempDir, testBuilder, uniqueName, type Result } from '../support/integration/helpers.js';
import { emptyNotebook, JupyterClient, runJupyter, tokenOf, waitForJupyter } from '../support/integration/jupyter.js';
import { TJS2I_IMAGE_USER, tjs2iImage } from '../support/integration/tjs2i-image.js';

/** The course's URL inside the test network (the git server's network alias). */
const COURSE_URL = 'git://gitserver/course.git';
const HOME = '/home/tjs2i';
const CERT_DIR = `${HOME}/certs`;
const [IMAGE_UID] = TJS2I_IMAGE_USER.split(':').map(Number) as [number, number];

/** Timestamps another part of tjs2i may put before each stderr line in CI logs: not asserted here. */
const stripTimestamps = (text: string) => text.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /gm, '');

/** The --json result: the last line of stdout. */
function jsonResult(result: Result): Record<string, unknown> {
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
}

/** `docker FROM… | docker TO…` (e.g. docker cp C:DIR - | docker build -). */
function pipeline(from: string[], to: string[]): Promise<{ from: Result; to: Result }> {
  const run = (args: string[]) => {
    const child = spawn('docker', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = new Promise<Result>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
    return { child, done, collect: () => child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString())) };
  };
  const source = run(from);
  const sink = run(to);
  source.child.stdin.end();
  source.child.stdout.pipe(sink.child.stdin);
  sink.collect();
  return Promise.all([source.done, sink.done]).then(([a, b]) => ({ from: a, to: b }));
}

describe('the tjs2i container image against a sibling or remote engine (real engine, git server and Jupyter in containers)', function () {
  this.timeout(900_000);
  let image: string;
  let builder: string;
  let network: string;
  let gitServer: string;
  let tcp: EngineProxy;
  let tls: EngineProxy;
  let socketGid: number;
  const outputs: string[] = [];

  before(async () => {
    // The image first: on a fresh machine it takes minutes, while the builder needs the engine too.
    image = await tjs2iImage();
    builder = await testBuilder();
    socketGid = (await stat(ENGINE_SOCKET)).gid;

    network = uniqueName('net');
    await docker('network', 'create', '--label', TEST_LABEL, network);
    const gateway = await docker('network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', network);
    tcp = await startTcpProxy(gateway);
    tls = await startTlsProxy(gateway);

    // The course, as a bare repository served by `git daemon` in a container (made from the tjs2i
    // image, which has git) under the name `gitserver` on the test network.
    const dir = await tempDir('container-course');
    try {
      const work = join(dir.path, 'work');
      await writeTree(work, {
        '01-intro.ipynb': notebook('Introduction'),
        'lessons/02-data.ipynb': notebook('Data'),
        'data/points.csv': 'x,y\n1,2\n',
      });
      await git(work, 'init', '-q', '-b', 'main');
      await git(work, 'add', '-A');
      await git(work, 'commit', '-q', '-m', 'Course content');
      await git(dir.path, 'clone', '-q', '--bare', work, join(dir.path, 'srv', 'course.git'));
      gitServer = uniqueName('gitserver');
      // docker cp makes the repository root's; git refuses to serve a repository of another user
      // ("dubious ownership") unless told it is safe.
      await docker(
        'create',
        '--name',
        gitServer,
        '--label',
        TEST_LABEL,
        '--network',
        network,
        '--network-alias',
        'gitserver',
        '--entrypoint',
        'git',
        image,
        '-c',
        'safe.directory=*',
        'daemon',
        '--reuseaddr',
        '--export-all',
        '--base-path=/tmp/git',
        '/tmp/git',
      );
      await docker('cp', join(dir.path, 'srv'), `${gitServer}:/tmp/git`);
      await docker('start', gitServer);
    } finally {
      await dir.remove();
    }
    const address = await docker('inspect', '--format', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, gitServer);
    for (let i = 0; ; i++) {
      const probe = await exec('git', ['ls-remote', `git://${address}/course.git`]);
      if (probe.code === 0 && probe.stdout.includes('refs/heads/main')) break;
      if (i === 50) throw new Error(`the git server does not serve the course: ${probe.stderr}\n${(await exec('docker', ['logs', gitServer])).stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  after(async () => {
    await tcp?.stop();
    await tls?.stop();
    if (gitServer) await exec('docker', ['rm', '-f', gitServer]);
    if (outputs.length) await exec('docker', ['rmi', '-f', ...outputs]);
    if (network) await exec('docker', ['network', 'rm', network]);
  });

  const output = (what: string) => {
    const name = uniqueName(what);
    outputs.push(name);
    return name;
  };

  interface RunOptions {
    /** Mount the engine's socket (the only mount any case uses), with --group-add of its group unless false. */
    socket?: { groupAdd: boolean };
    env?: Record<string, string>;
    /** A directory of this host whose ca.pem, cert.pem and key.pem are copied into CERT_DIR (not mounted). */
    certs?: string;
    entrypoint?: string;
    /** Called with the container's name after it exited, before it is removed. */
    afterExit?: (name: string) => Promise<void>;
  }

  /** `docker create` + copies + `docker start -a` of the tjs2i image on the test network; removed after. */
  async function runImage(args: string[], options: RunOptions = {}): Promise<Result> {
    const name = uniqueName('tjs2i-container');
    const create = ['create', '--name', name, '--label', TEST_LABEL, '--network', network];
    if (options.socket) {
      create.push('-v', `${ENGINE_SOCKET}:${ENGINE_SOCKET}`);
      if (options.socket.groupAdd) create.push('--group-add', String(socketGid));
    }
    for (const [key, value] of Object.entries(options.env ?? {})) create.push('-e', `${key}=${value}`);
    if (options.entrypoint) create.push('--entrypoint', options.entrypoint);
    await docker(...create, image, ...args);
    try {
      if (options.certs) await copyCertificates(options.certs, name);
      const result = await exec('docker', ['start', '-a', name]);
      await options.afterExit?.(name);
      return { ...result, stderr: stripTimestamps(result.stderr) };
    } finally {
      await exec('docker', ['rm', '-f', name]);
    }
  }

  /** The client's TLS files into the created container, through the API: owned by the image's user, group 0, 0640. */
  async function copyCertificates(from: string, container: string): Promise<void> {
    const pack = tar.pack();
    const owner = { uid: IMAGE_UID, gid: 0 };
    pack.entry({ name: 'certs', type: 'directory', mode: 0o2750, ...owner });
    for (const file of ['ca.pem', 'cert.pem', 'key.pem']) pack.entry({ name: `certs/${file}`, mode: 0o640, ...owner }, await readFile(join(from, file)));
    pack.finalize();
    const child = spawn('docker', ['cp', '-', `${container}:${HOME}`], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    pack.pipe(child.stdin);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`docker cp of the certificates failed: ${stderr}`);
  }

  /** The built image under a random UID of group 0: Jupyter serves the course, and a notebook can be saved. */
  async function expectServesCourse(out: string): Promise<void> {
    const uid = randomUid();
    const jupyter = await runJupyter(out, { user: `${uid}:0` });
    try {
      await waitForJupyter(jupyter);
      const client = new JupyterClient(jupyter.base, await tokenOf(jupyter));
      expect(await client.listWork()).to.include.members(['01-intro.ipynb', 'lessons', 'data']);
      const nb = await client.request('GET', '/api/contents/work/lessons/02-data.ipynb?content=1');
      expect(nb.status).to.equal(200);
      expect(JSON.stringify(await nb.json())).to.contain('# Data');
      expect((await client.request('PUT', '/api/contents/work/01-intro.ipynb', emptyNotebook)).status).to.equal(200);
      expect(await jupyter.exec('id -u')).to.equal(String(uid));
    } finally {
      await jupyter.stop();
    }
  }

  /** A build inside the container succeeded, printed its --json result on stdout, and the image serves the course. */
  async function expectBuilt(result: Result, out: string): Promise<void> {
    expect(result.code, result.stderr).to.equal(0);
    expect(jsonResult(result)).to.include({ ok: true });
    expect(jsonResult(result).image).to.match(new RegExp(`^${out}(:latest)?$`));
    const labels = (await inspectImage(out)).Config.Labels;
    expect(labels['io.openshift.s2i.build.image']).to.equal(builder);
    await expectServesCourse(out);
  }

  describe('the image', () => {
    it('runs as a numeric non-root user of group 0, with the CLI as its entrypoint and git inside', async () => {
      const config = (await inspectImage(image)).Config;
      expect(config.User).to.match(/^\d+:0$/);
      expect(Number(config.User.split(':')[0])).to.be.above(0);
      expect(config.Entrypoint).to.deep.equal(['tjs2i']);
      const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
      expect(await docker('run', '--rm', '--label', TEST_LABEL, image, 'version')).to.equal(`tjs2i ${pkg.version}`);
      expect(await docker('run', '--rm', '--label', TEST_LABEL, '--entrypoint', 'git', image, '--version')).to.match(/^git version 2\.\d+/);
      expect(await docker('run', '--rm', '--label', TEST_LABEL, '--entrypoint', 'id', image)).to.match(/^uid=\d+ gid=0\(root\)/);
    });

    it('runs under an arbitrary UID of group 0: HOME is writable, git and tjs2i work', async () => {
      const uid = randomUid();
      const out = await docker(
        'run',
        '--rm',
        '--label',
        TEST_LABEL,
        '--user',
        `${uid}:0`,
        '--entrypoint',
        'sh',
        image,
        '-c',
        'id -u && echo "$HOME" && mkdir "$HOME/.docker" && git config --global init.defaultBranch main && git config --global init.defaultBranch && tjs2i version',
      );
      const lines = out.split('\n');
      expect(lines.slice(0, 3)).to.deep.equal([String(uid), HOME, 'main']);
      expect(lines[3]).to.match(/^tjs2i \d+\.\d+\.\d+/);
    });

    it('holds the compiled CLI and the production dependencies only', async () => {
      const modules = (await docker('run', '--rm', '--label', TEST_LABEL, '--entrypoint', 'ls', image, '/opt/tjs2i/node_modules')).split('\n');
      expect(modules).to.include.members(['dockerode', 'simple-git', 'tar-stream', 'yargs']);
      expect(modules).to.not.include.members(['typescript']);
      expect(modules).to.not.include('mocha').and.not.include('eslint').and.not.include('chai');
    });
  });

  describe('a course that exists only in the tjs2i container', () => {
    it('engine socket mounted (--group-add of its group): the repository cloned in the container, then built from its path', async () => {
      const out = output('in-container-socket');
      const result = await runImage(['-c', `git clone -q ${COURSE_URL} /tmp/course && exec tjs2i build /tmp/course ${builder} ${out} --json`], {
        socket: { groupAdd: true },
        entrypoint: 'sh',
      });
      await expectBuilt(result, out);
      expect((await inspectImage(out)).Config.Labels['io.openshift.s2i.build.source-location']).to.equal('/tmp/course');
    });

    it('engine socket mounted without its group: exit 3, one error line naming the socket', async function () {
      if (socketGid === 0) this.skip(); // a socket of group 0 is open to the image's group already
      const result = await runImage(['build', COURSE_URL, builder, uniqueName('never'), '--json'], { socket: { groupAdd: false } });
      expect(result.code, result.stderr).to.equal(3);
      expect(jsonResult(result)).to.include({ ok: false, exitCode: 3 });
      const errors = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect(errors, result.stderr).to.have.length(1);
      expect(errors[0]).to.match(/^error: cannot reach the Docker engine at unix:\/\/\/var\/run\/docker\.sock \(EACCES\)/);
    });

    it('DOCKER_HOST=tcp://… (plain), no mount: builds from the git URL', async () => {
      const out = output('in-container-tcp');
      const before = tcp.connections();
      const result = await runImage(['build', COURSE_URL, builder, out, '--json'], { env: { DOCKER_HOST: `tcp://${tcp.host}` } });
      expect(tcp.connections()).to.be.above(before);
      await expectBuilt(result, out);
      expect((await inspectImage(out)).Config.Labels['io.openshift.s2i.build.source-location']).to.equal(COURSE_URL);
    });

    it('DOCKER_HOST=tcp://… with TLS (DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH copied into the container), no mount', async () => {
      const out = output('in-container-tls');
      const before = tls.connections();
      const env = { DOCKER_HOST: `tcp://${tls.host}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: CERT_DIR };
      const result = await runImage(['build', COURSE_URL, builder, out, '--json'], { env, certs: tls.certPath as string });
      expect(tls.connections()).to.be.above(before);
      await expectBuilt(result, out);
    });

    it('no engine at all: --as-dockerfile writes a build context that `docker build` (for kaniko or buildah) turns into a working image', async () => {
      const out = output('in-container-dockerfile');
      let built: { from: Result; to: Result } | undefined;
      const result = await runImage(['build', COURSE_URL, builder, '--as-dockerfile', '/tmp/context/Dockerfile', '--json'], {
        // The context leaves the container as a tar (as a CI workspace would carry it to the next step).
        afterExit: async (name) => {
          built = await pipeline(['cp', `${name}:/tmp/context/.`, '-'], ['build', '-q', '--label', TEST_LABEL, '-t', out, '-']);
        },
      });
      expect(result.code, result.stderr).to.equal(0);
      expect(jsonResult(result)).to.include({ ok: true, builderInspected: false });
      expect(result.stderr).to.match(new RegExp(`^warning: no engine to inspect builder ${builder}; assuming a tjs2i builder`, 'm'));
      expect(built?.from.code, built?.from.stderr).to.equal(0);
      expect(built?.to.code, built?.to.stderr).to.equal(0);
      await expectServesCourse(out);
    });
  });
});
