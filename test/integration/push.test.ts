import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tjs2iTracked, type TrackedRun } from '../support/integration/engine-recorder.js';
import { docker, exec, freePort, imageExists, tempDir, uniqueName } from '../support/integration/helpers.js';
import { commandLines, runWatched } from '../support/integration/process-watch.js';
import { startRegistry, type Registry } from '../support/integration/registry.js';
import { buildTinyBuilder, RUN_FILE } from '../support/integration/tiny-builder.js';
import { onPodman } from '../support/integration/engines.js';

/** stderr without the timestamps a log line may start with when stderr is not a terminal. */
const plain = (stderr: string) => stderr.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /gm, '');
const errorLines = (stderr: string) =>
  plain(stderr)
    .split('\n')
    .filter((l) => l.startsWith('error:'));
const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * `build --push` against a real registry on 127.0.0.1 that requires basic auth: the image arrives
 * (pulled back and run as a user would), with credentials from a Docker config file, from
 * DOCKER_AUTH_CONFIG and from a credential helper; failed pushes are exit 6 with one clear line and
 * leave the image built and tagged locally. No secret reaches stdout, stderr or a command line.
 */
describe('build --push (real engine, local registry with basic auth)', function () {
  this.timeout(300_000);
  const user = 'teacher';
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const wrongPassword = `pw-Wr0ng-${randomBytes(4).toString('hex')}`;
  /** Every form a credential could leak in: the passwords, user:password, their base64. */
  const secrets = [password, wrongPassword, `${user}:${password}`, `${user}:${wrongPassword}`].flatMap((s) => [s, b64(s)]);
  const message = `hello from ${uniqueName('push')}`;
  const builder = uniqueName('tiny-push');
  const made: string[] = [];
  let registry: Registry;
  let work: { path: string; remove: () => Promise<void> };
  let course: string;
  /** An empty HOME, so root's own ~/.docker/config.json plays no part. */
  let home: string;

  /** A DOCKER_CONFIG directory holding this config.json. */
  async function configDir(name: string, config: object | string): Promise<string> {
    const dir = join(work.path, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
    return dir;
  }

  /** The environment of a run: nothing but what the test gives. */
  const envOf = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
    HOME: home,
    DOCKER_CONFIG: join(work.path, 'none'),
    DOCKER_AUTH_CONFIG: '',
    REGISTRY_AUTH_FILE: '',
    ...extra,
  });

  const output = (what: string, host = registry.host) => {
    const name = `${host}/${uniqueName(what)}:1`;
    made.push(name);
    return name;
  };

  const expectNoSecret = (text: string, where: string) => {
    for (const secret of secrets) expect(text, `${where} holds a credential`).to.not.contain(secret);
  };

  /** A manifest in the registry, read with the right credentials: its digest, or the HTTP status. */
  async function manifestDigest(reference: string): Promise<string | number> {
    const [, path, tag] = /^[^/]+\/(.+):([^:]+)$/.exec(reference) ?? [];
    const answer = await fetch(`http://${registry.host}/v2/${path}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { Authorization: `Basic ${b64(`${user}:${password}`)}`, Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    return answer.status === 200 ? (answer.headers.get('docker-content-digest') ?? 'no digest header') : answer.status;
  }

  /** A failed push: exit 6, one error line (the last), no secret, no leftovers, the image built locally. */
  async function expectFailedPush(result: TrackedRun, name: string, pattern: RegExp): Promise<string> {
    expect(result.code, result.stderr).to.equal(6);
    const errors = errorLines(result.stderr);
    expect(errors, result.stderr).to.have.length(1);
    expect(plain(result.stderr).trim().split('\n').pop()).to.equal(errors[0]);
    expect(errors[0]).to.match(pattern);
    expect(errors[0]).to.include(`${name} is built and tagged locally, but pushing it failed`);
    expectNoSecret(result.stdout, 'stdout');
    expectNoSecret(result.stderr, 'stderr');
    expect(await result.leftoverContainers()).to.deep.equal([]);
    expect(await result.leftoverTempFiles()).to.deep.equal([]);
    expect(await imageExists(name), `${name} is not built locally`).to.equal(true);
    return errors[0] ?? '';
  }

  before(async () => {
    registry = await startRegistry({ auth: { user, password } });
    await buildTinyBuilder(builder);
    work = await tempDir('push');
    course = join(work.path, 'course');
    home = join(work.path, 'home');
    await mkdir(course);
    await mkdir(home);
    await writeFile(join(course, RUN_FILE), `${message}\n`);
  });

  after(async () => {
    await registry?.stop();
    await exec('docker', ['rmi', '-f', builder, ...made]);
    await work?.remove();
  });

  it(onPodman('the registry wants credentials (the failures below are about them)'), async () => {
    expect((await fetch(`http://${registry.host}/v2/`)).status).to.equal(401);
  });

  it(onPodman('pushes with credentials from $DOCKER_CONFIG/config.json; the image pulls back and runs'), async () => {
    const dir = await configDir('good', { auths: { [registry.host]: { auth: b64(`${user}:${password}`) } } });
    const name = output('course');
    const result = await tjs2iTracked(['build', course, builder, name, '--push', '--json'], envOf({ DOCKER_CONFIG: dir }));
    expect(result.code, result.stderr).to.equal(0);
    const stderr = plain(result.stderr);
    expect(stderr).to.include(`==> push: ${name} to ${registry.host}, credentials from ${join(dir, 'config.json')}\n`);
    const digest = /^pushed (\S+) \((sha256:[0-9a-f]{64})\)$/m.exec(stderr);
    expect(digest?.[1], stderr).to.equal(name);
    // CI logs: plain lines, no carriage returns or escape sequences.
    expect(result.stderr).to.not.include('\r').and.not.include('\x1b');
    expectNoSecret(result.stdout, 'stdout');
    expectNoSecret(result.stderr, 'stderr');

    const lines = result.stdout.trim().split('\n');
    expect(lines).to.have.length(1);
    const json = JSON.parse(lines[0] ?? '') as { ok: boolean; image: string; pushed: { reference: string; registry: string; digest: string } };
    expect(json.ok).to.equal(true);
    expect(json.pushed).to.deep.equal({ reference: name, registry: registry.host, digest: digest?.[2] });
    expect(await manifestDigest(name)).to.equal(json.pushed.digest);
    expect(await result.leftoverContainers()).to.deep.equal([]);
    expect(await result.leftoverTempFiles()).to.deep.equal([]);
    // Nothing was written next to the config.
    expect(await readdir(dir)).to.deep.equal(['config.json']);

    // What a user of the registry sees: remove the local copy, pull it back (with the docker CLI and
    // the same config), run it.
    await docker('rmi', name);
    const pulled = await exec('docker', ['--config', dir, 'pull', name]);
    expect(pulled.code, pulled.stderr).to.equal(0);
    expect(await docker('run', '--rm', '--label', 'io.tjs2i.test=1', name)).to.equal(message);
    const repoDigest = await docker('image', 'inspect', '--format', '{{index .RepoDigests 0}}', name);
    expect(repoDigest).to.equal(`${name.replace(/:1$/, '')}@${json.pushed.digest}`);
  });

  it('pushes with credentials from DOCKER_AUTH_CONFIG (a key with a scheme, as GitLab users write it), over the config file', async () => {
    const name = output('gitlab');
    const config = JSON.stringify({ auths: { [`http://${registry.host}`]: { username: user, password } } });
    // The config file has a wrong password: DOCKER_AUTH_CONFIG comes first.
    const file = await configDir('behind', { auths: { [registry.host]: { auth: b64(`${user}:${wrongPassword}`) } } });
    const result = await tjs2iTracked(['build', course, builder, name, '--push', '--json'], envOf({ DOCKER_AUTH_CONFIG: config, DOCKER_CONFIG: file }));
    expect(result.code, result.stderr).to.equal(0);
    expect(plain(result.stderr)).to.include(`==> push: ${name} to ${registry.host}, credentials from DOCKER_AUTH_CONFIG\n`);
    const json = JSON.parse(result.stdout) as { pushed: { digest: string } };
    expect(await manifestDigest(name)).to.equal(json.pushed.digest);
    expectNoSecret(result.stdout, 'stdout');
    expectNoSecret(result.stderr, 'stderr');
  });

  it('pushes with a credsStore helper; no command line holds a credential while it runs', async () => {
    const bin = join(work.path, 'bin');
    await mkdir(bin, { recursive: true });
    // The helper reads its answer from a file of the test, so the secret is on no command line.
    const answer = join(work.path, 'helper-answer.json');
    await writeFile(answer, JSON.stringify({ ServerURL: registry.host, Username: user, Secret: password }));
    await writeFile(
      join(bin, 'docker-credential-tjs2itest'),
      `#!/bin/sh\n[ "$1" = get ] || exit 2\n[ "$(cat)" = "${registry.host}" ] || { echo "credentials not found"; exit 1; }\ncat "${answer}"\n`,
    );
    await chmod(join(bin, 'docker-credential-tjs2itest'), 0o755);
    const dir = await configDir('store', { auths: { [registry.host]: {} }, credsStore: 'tjs2itest' });
    const name = output('helper');
    const seen = new Set<string>();
    const env = { ...process.env, ...envOf({ DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH ?? ''}` }) };
    const result = await runWatched(
      ['build', course, builder, name, '--push', '--loglevel', '5'],
      50,
      async () => {
        for (const [, line] of await commandLines()) seen.add(line);
      },
      env,
    );
    expect(result.code, result.stderr).to.equal(0);
    expect(plain(result.stderr)).to.include(`credentials from docker-credential-tjs2itest (credsStore in ${join(dir, 'config.json')})`);
    expect(typeof (await manifestDigest(name))).to.equal('string');
    expect(seen.size).to.be.above(0);
    for (const line of seen) expectNoSecret(line, `command line "${line}"`);
    expectNoSecret(result.stdout, 'stdout');
    expectNoSecret(result.stderr, 'stderr (--loglevel 5)');
  });

  it('a wrong password: exit 6, one error line naming the config file, the image built locally (--json, --loglevel 5)', async () => {
    const dir = await configDir('wrong', { auths: { [registry.host]: { auth: b64(`${user}:${wrongPassword}`) } } });
    const name = output('wrong');
    const result = await tjs2iTracked(['build', course, builder, name, '--push', '--json', '--loglevel', '5'], envOf({ DOCKER_CONFIG: dir }));
    const line = await expectFailedPush(
      result,
      name,
      new RegExp(
        `: the registry ${registry.host.replace(/\./g, '\\.')} refused the credentials from ${join(dir, 'config.json').replace(/[.]/g, '\\.')} \\(.*\\); check the user and password`,
      ),
    );
    const json = JSON.parse(result.stdout) as { ok: boolean; exitCode: number; error: string; hint: string };
    expect(json).to.deep.include({ ok: false, exitCode: 6 });
    expect(line).to.equal(`error: ${json.error}; ${json.hint}`);
    expect(await manifestDigest(name)).to.equal(404);
    // The local image is the one just built: it runs.
    expect(await docker('run', '--rm', '--label', 'io.tjs2i.test=1', name)).to.equal(message);
  });

  it('no credentials for a registry that wants them: exit 6, says none were found', async () => {
    const name = output('anonymous');
    const result = await tjs2iTracked(['build', course, builder, name, '--push'], envOf({}));
    expect(plain(result.stderr)).to.include(`no credentials found for ${registry.host}`);
    await expectFailedPush(
      result,
      name,
      new RegExp(`: the registry ${registry.host.replace(/\./g, '\\.')} wants credentials and none were found for .*; log in \\(docker login `),
    );
  });

  it('a credsStore helper that is not installed (Docker Desktop\'s "desktop" in a CI config): a warning, the build and an anonymous push, exit 6 naming the helper', async () => {
    const dir = await configDir('desktop', { auths: { [registry.host]: {} }, credsStore: 'tjs2i-test-desktop' });
    const file = join(dir, 'config.json');
    const name = output('desktop');
    const result = await tjs2iTracked(['build', course, builder, name, '--push', '--json'], envOf({ DOCKER_CONFIG: dir }));
    const helper = `the credential helper docker-credential-tjs2i-test-desktop (credsStore in ${file}) is not installed (not on PATH)`;
    expect(
      plain(result.stderr)
        .split('\n')
        .filter((l) => l.startsWith('warning:')),
    ).to.deep.equal([`warning: ${helper}: passed over (install it, or remove it from that file)`]);
    expect(plain(result.stderr)).to.include(`no credentials found for ${registry.host}`);
    await expectFailedPush(
      result,
      name,
      new RegExp(
        `: the registry ${registry.host.replace(/\./g, '\\.')} wants credentials and none were found for \\S+: ${helper.replace(/[.()/]/g, '\\$&')} \\(`,
      ),
    );
  });

  it('a registry that is not reachable (a closed port): exit 6, "could not be reached"', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const name = output('unreachable', closed);
    const result = await tjs2iTracked(['build', course, builder, name, '--push'], envOf({}));
    await expectFailedPush(
      result,
      name,
      new RegExp(`: the registry ${closed.replace(/\./g, '\\.')} could not be reached \\(.*connection refused\\); check that the registry`),
    );
  });

  it('a malformed config file: exit 2 naming the file, before anything is built, its content not printed', async () => {
    const dir = await configDir('malformed', `{"auths": {"${registry.host}": {"auth": "${b64(`${user}:${password}`)}"`);
    const name = output('malformed');
    const result = await tjs2iTracked(['build', course, builder, name, '--push'], envOf({ DOCKER_CONFIG: dir }));
    expect(result.code, result.stderr).to.equal(2);
    expect(errorLines(result.stderr)).to.deep.equal([
      `error: malformed Docker config file ${join(dir, 'config.json')}: not valid JSON (it ends too early); fix it (it is JSON: {"auths": {"registry.example.org": {"auth": "<base64 of user:password>"}}}), or log in again to rewrite it`,
    ]);
    expectNoSecret(result.stderr, 'stderr');
    expect(result.created).to.deep.equal([]);
    expect(await imageExists(name)).to.equal(false);
  });

  it('--push with --as-dockerfile is a usage error (exit 2)', async () => {
    const result = await tjs2iTracked(['build', course, builder, '--as-dockerfile', join(work.path, 'ctx', 'Dockerfile'), '--push'], envOf({}));
    expect(result.code, result.stderr).to.equal(2);
    expect(errorLines(result.stderr)).to.deep.equal([
      'error: --push pushes a built image: it cannot be used with --as-dockerfile (push what docker build, buildah or kaniko make) (see tjs2i --help)',
    ]);
    expect(result.created).to.deep.equal([]);
  });
});
