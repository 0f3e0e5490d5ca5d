import { expect } from 'chai';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { docker, exec, freePort, newLeftovers, leftoverContainers, tempDir, tjs2i, uniqueName, type Result } from '../support/integration/helpers.js';
import { makeCertificates, startTcpProxy, startTlsProxy, type EngineProxy } from '../support/integration/engine-proxy.js';
import { buildTinyBuilder, RUN_FILE } from '../support/integration/tiny-builder.js';

/**
 * The engine reached as a remote one: through DOCKER_HOST=tcp://, --docker-host, and TLS with
 * client certificates (DOCKER_TLS_VERIFY + DOCKER_CERT_PATH), via proxies to the local socket.
 */
describe('engine endpoints (real engine through tcp and TLS proxies)', function () {
  this.timeout(300_000);
  let tcp: EngineProxy;
  let tls: EngineProxy;
  let builder: string;
  let course: { path: string; remove: () => Promise<void> };
  const message = `hello from ${uniqueName('endpoint')}`;
  const outputs: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  // No DOCKER_* of the developer's shell may leak into these runs.
  const clean = { DOCKER_HOST: '', DOCKER_TLS_VERIFY: '', DOCKER_CERT_PATH: '' };

  before(async () => {
    builder = uniqueName('tiny-builder');
    await buildTinyBuilder(builder);
    tcp = await startTcpProxy();
    tls = await startTlsProxy();
    course = await tempDir('endpoint-course');
    await writeFile(join(course.path, RUN_FILE), `${message}\n`);
  });

  after(async () => {
    await tcp?.stop();
    await tls?.stop();
    for (const cleanup of cleanups) await cleanup();
    await exec('docker', ['rmi', '-f', builder, ...outputs]);
    await course?.remove();
  });

  const output = () => {
    const name = uniqueName('endpoint-out');
    outputs.push(name);
    return name;
  };

  /** The build succeeded, went through `proxy`, and its output runs. */
  async function expectBuilt(proxy: EngineProxy, run: () => Promise<Result>, out: string): Promise<void> {
    const before = proxy.connections();
    const result = await run();
    expect(result.code, result.stderr).to.equal(0);
    expect(proxy.connections()).to.be.greaterThan(before);
    expect(result.stderr).to.include('---> copying the source');
    expect(await docker('run', '--rm', out)).to.equal(message);
  }

  it('builds through DOCKER_HOST=tcp://127.0.0.1:PORT', async () => {
    const out = output();
    await expectBuilt(tcp, () => tjs2i(['build', course.path, builder, out], { ...clean, DOCKER_HOST: `tcp://${tcp.host}` }), out);
  });

  it('builds through --docker-host tcp://..., which overrides DOCKER_HOST', async () => {
    const out = output();
    const env = { ...clean, DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
    await expectBuilt(tcp, () => tjs2i(['--docker-host', `tcp://${tcp.host}`, 'build', course.path, builder, out], env), out);
  });

  it('builds through TLS with client certificates (DOCKER_HOST, DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH)', async () => {
    const out = output();
    const env = { ...clean, DOCKER_HOST: `tcp://${tls.host}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: tls.certPath as string };
    await expectBuilt(tls, () => tjs2i(['build', course.path, builder, out], env), out);
  });

  it("TLS with a CA that did not sign the engine's certificate: exit 3, one line naming the endpoint and TLS", async () => {
    const other = await tempDir('other-ca');
    cleanups.push(other.remove);
    await makeCertificates(other.path);
    // The right client certificate, but the wrong CA to check the server with.
    for (const file of ['cert.pem', 'key.pem']) await cp(join(tls.certPath as string, file), join(other.path, file));
    const before = await leftoverContainers();
    const env = { ...clean, DOCKER_HOST: `tcp://${tls.host}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: other.path };
    const result = await tjs2i(['build', course.path, builder, output()], env);
    expect(result.code, result.stderr).to.equal(3);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors, result.stderr).to.have.length(1);
    expect(errors[0]).to.match(
      new RegExp(`^error: cannot reach the Docker engine at tcp://${tls.host.replace(/\./g, '\\.')} \\(TLS\\): TLS failed \\(.+\\); .*DOCKER_CERT_PATH`),
    );
    expect(await newLeftovers(before)).to.deep.equal([]);
  });

  it('TLS without the certificate files: exit 2, naming the missing file', async () => {
    const empty = await tempDir('no-certs');
    cleanups.push(empty.remove);
    const env = { ...clean, DOCKER_HOST: `tcp://${tls.host}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: empty.path };
    const result = await tjs2i(['build', course.path, builder, output()], env);
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr.trim()).to.match(new RegExp(`^error: cannot read ${empty.path.replace(/\./g, '\\.')}/ca\\.pem for TLS`));
  });

  it('--docker-host tcp://127.0.0.1:<closed port>: exit 3, naming the endpoint', async () => {
    const port = await freePort();
    const result = await tjs2i(['--docker-host', `tcp://127.0.0.1:${port}`, 'build', course.path, builder, output()], clean);
    expect(result.code, result.stderr).to.equal(3);
    expect(result.stderr.trim().split('\n').pop()).to.equal(
      `error: cannot reach the Docker engine at tcp://127.0.0.1:${port} (ECONNREFUSED); start the engine (e.g. \`dockerd &\`), or point --docker-host or DOCKER_HOST at a running one`,
    );
  });

  it('--docker-host with an unsupported scheme: exit 2', async () => {
    const result = await tjs2i(['--docker-host', 'ssh://ada@build-host', 'build', course.path, builder, output()], clean);
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr.trim()).to.match(/^error: unsupported --docker-host scheme ssh:\/\//);
  });
});
