/**
 * The whole check against a fake engine: what it creates (never a container as root), what it
 * concludes from what it finds, and that it removes every container however it ends.
 */
import { expect } from 'chai';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { ARBITRARY_UID_RANGE } from '../../../src/check/arbitrary-uid.js';
import { checkImage, type CheckOptions } from '../../../src/check/check-image.js';
import { exitCodeOf, reportJson } from '../../../src/check/check-report.js';
import { InterruptedError } from '../../../src/common/errors.js';
import { createLogger } from '../../../src/common/log.js';
import type { ContainerSpec, OutputListener } from '../../../src/engine/container-client.js';
import type { ImageInfo } from '../../../src/engine/image-client.js';
import type { PathStat } from '../../../src/engine/path-stat.js';
import { FakeEngine } from '../../support/unit/fake-engine.js';
import { imageInfo } from '../../support/unit/fake-images.js';
import { readAll, rejectionOf } from '../../support/unit/helpers.js';

const BUILDER_LABELS = {
  'io.openshift.s2i.scripts-url': 'image:///usr/libexec/s2i',
  'io.tjs2i.builder.stack': 'minimal-notebook',
  'io.tjs2i.builder.writable-trees': '/home/jovyan:/opt/conda',
};

/** A layer, and a docker 20.10 save of it. */
async function exportWith(entries: { name: string; mode: number }[]): Promise<Buffer> {
  const pack = (list: { name: string; mode: number; data: string | Buffer }[]) => {
    const p = tar.pack();
    for (const e of list) p.entry({ name: e.name, mode: e.mode }, e.data);
    p.finalize();
    return readAll(p as never);
  };
  const layer = await pack(entries.map((e) => ({ ...e, data: 'x' })));
  return pack([
    { name: 'cfg.json', mode: 0o644, data: '{}' },
    { name: 'aaaa/layer.tar', mode: 0o644, data: layer },
    { name: 'manifest.json', mode: 0o644, data: JSON.stringify([{ Config: 'cfg.json', Layers: ['aaaa/layer.tar'] }]) },
  ]);
}

const stat = (name: string, type: PathStat['type'], special = 0): PathStat => ({ name, size: 0, type, mode: 0o755, linkTarget: '', special });

interface Fixture {
  engine: FakeEngine;
  created: ContainerSpec[];
  removed: string[];
  logs: string[];
  run: (options?: Partial<CheckOptions>, signal?: AbortSignal) => ReturnType<typeof checkImage>;
}

/**
 * A tjs2i builder as the fake engine has it: numeric USER, Jupyter in /opt/conda/bin, the S2I
 * scripts, a group-writable /etc/passwd and no set-id file; its shell finds everything writable;
 * its Jupyter answers.
 */
async function builderFixture(
  info: Partial<ImageInfo> = {},
  probeOutput = 'home\t/home/jovyan\twritable\nwork\t/home/jovyan/work\twritable\nend\n',
): Promise<Fixture> {
  const engine = new FakeEngine();
  engine.images.local.set(
    'jupyter-minimal-notebook',
    imageInfo({
      id: 'sha256:builder',
      user: '1000',
      env: ['PATH=/opt/conda/bin:/usr/bin:/bin', 'CONDA_DIR=/opt/conda', 'HOME=/home/jovyan'],
      labels: BUILDER_LABELS,
      exposedPorts: ['8888/tcp'],
      healthcheck: ['CMD-SHELL', 'curl -f http://localhost:8888/api'],
      ...info,
    }),
  );
  const archive = await exportWith([{ name: 'usr/bin/ls', mode: 0o755 }]);
  engine.images.exportImpl = async () => Readable.from([archive]);
  const { archives } = engine;
  for (const dir of ['/opt', '/opt/conda', '/opt/conda/bin', '/etc', '/usr', '/usr/libexec', '/usr/libexec/s2i'])
    archives.stats.set(dir, stat(dir, 'directory'));
  for (const file of ['/opt/conda/bin/jupyter', '/usr/libexec/s2i/assemble', '/usr/libexec/s2i/run', '/etc/passwd']) {
    archives.stats.set(file, stat(file, 'file'));
    archives.paths.set(file, [{ name: file.split('/').pop()!, type: 'file', mode: file === '/etc/passwd' ? 0o664 : 0o775, uid: 0, gid: 0 }]);
  }

  // Containers: the files one (never started), the shell probe (runs its script and exits), the server.
  const created: ContainerSpec[] = [];
  const removed: string[] = [];
  const c = engine.containers;
  const serverAttach = c.attachOutput.bind(c);
  const serverStart = c.startContainer.bind(c);
  const serverWait = c.waitContainer.bind(c);
  let probeOut: OutputListener = () => undefined;
  c.createContainer = async (spec) => {
    created.push(spec);
    return spec.name;
  };
  c.attachOutput = async (id, onOutput, signal) =>
    id.endsWith('-probe') ? ((probeOut = onOutput), { ended: Promise.resolve() }) : serverAttach(id, onOutput, signal);
  c.startContainer = async (id, signal) => (id.endsWith('-probe') ? probeOut(Buffer.from(probeOutput), 'stdout') : serverStart(id, signal));
  c.waitContainer = async (id, signal) => (id.endsWith('-probe') ? 0 : serverWait(id, signal));
  c.removeContainerImpl = async (id) => void removed.push(id);
  const logs: string[] = [];
  return {
    engine,
    created,
    removed,
    logs,
    run: (options = {}, signal) =>
      checkImage(
        engine,
        'jupyter-minimal-notebook',
        { watch: { stayUpMs: 200, pollIntervalMs: 5, probe: async () => 200 }, ...options },
        createLogger({ write: (t) => void logs.push(t) }),
        signal,
      ),
  };
}

describe('check: the whole check (fake engine)', () => {
  it('passes a tjs2i builder on every line; exit 0', async () => {
    const f = await builderFixture();
    const report = await f.run();
    expect(report.checks.map((c) => [c.id, c.status])).to.deep.equal([
      ['user', 'pass'],
      ['stays-up', 'pass'],
      ['jupyter', 'pass'],
      ['home', 'pass'],
      ['writable-trees', 'pass'],
      ['set-id', 'pass'],
      ['port', 'pass'],
      ['healthcheck', 'pass'],
      ['s2i', 'pass'],
    ]);
    expect(report.jupyter).to.equal('/opt/conda/bin/jupyter');
    expect(report.builder).to.equal(true);
    expect(exitCodeOf(report)).to.equal(0);
    expect(reportJson(report).ok).to.equal(true);
  });

  it('refuses a name that is no image reference with exit 2, before asking the engine', async () => {
    const f = await builderFixture();
    const refusal = (await checkImage(f.engine, 'Bad Name\n', {}, createLogger({ write: () => undefined }), undefined).catch((e: unknown) => e)) as {
      exitCode?: number;
      message: string;
    };
    expect(refusal.exitCode).to.equal(2);
    expect(refusal.message).to.equal('invalid image Bad Name\\n');
    expect(f.created).to.deep.equal([]);
  });

  it('never creates a container as root: each gets the arbitrary UID with group 0, confined, and is removed', async () => {
    const f = await builderFixture({ user: 'root' });
    const report = await f.run();
    expect(report.uid).to.be.within(ARBITRARY_UID_RANGE.min, ARBITRARY_UID_RANGE.max);
    const server = f.engine.containers.servers[0]!;
    const specs = [
      ...f.created.map((s) => ({ name: s.name, user: s.user, restricted: s.restricted })),
      { name: server.name, user: server.user, restricted: server.restricted },
    ];
    expect(specs).to.have.length(3);
    for (const spec of specs) {
      expect(spec.user, spec.name).to.equal(`${report.uid}:0`);
      expect(spec.restricted, spec.name).to.equal(true);
      expect(spec.name).to.match(/^tjs2i-check-/);
    }
    expect(f.removed).to.have.members([...f.created.map((s) => s.name), f.engine.containers.containerId]);
    // The image's USER root is judged, not used.
    expect(report.checks.find((c) => c.id === 'user')).to.deep.include({ status: 'fail' });
    expect(exitCodeOf(report)).to.equal(1);
  });

  it('gives the shell the trees a tjs2i builder names, and checks the image by id', async () => {
    const f = await builderFixture();
    await f.run();
    const probe = f.created.find((s) => s.name.endsWith('-probe'))!;
    expect(probe.image).to.equal('sha256:builder');
    expect(probe.entrypoint.slice(0, 2)).to.deep.equal(['/bin/sh', '-c']);
    expect(probe.entrypoint.slice(3)).to.deep.equal(['tjs2i-check', '/home/jovyan', '/opt/conda']);
  });

  it('judges an image without `jupyter` on its PATH without the Jupyter lines', async () => {
    const f = await builderFixture(
      { env: ['PATH=/usr/bin:/bin', 'HOME=/home/app'], labels: {}, exposedPorts: [], healthcheck: null },
      'home\t/home/app\twritable\nend\n',
    );
    const report = await f.run();
    const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(status).to.deep.equal({
      user: 'pass',
      'stays-up': 'pass',
      jupyter: 'skip',
      home: 'pass',
      'writable-trees': 'skip',
      'set-id': 'pass',
      port: 'warn',
      healthcheck: 'warn',
      s2i: 'skip',
    });
    expect(report.jupyter).to.equal(undefined);
    expect(exitCodeOf(report)).to.equal(0);
  });

  it('removes every container it made when the user interrupts', async () => {
    const f = await builderFixture();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const error = await rejectionOf(f.run({ watch: { stayUpMs: 10_000, pollIntervalMs: 5, probe: async () => undefined } }, controller.signal));
    expect(error).to.be.instanceOf(InterruptedError);
    expect(f.engine.containers.servers).to.have.length(1);
    expect(f.removed).to.have.members([...f.created.map((s) => s.name), f.engine.containers.containerId]);
  });
});
