import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { builderConfig, loadManifest, serializeConfig, withEnv } from '../../../../src/builder/rewrite/image-config.js';
import { BuildFailedError } from '../../../../src/common/errors.js';

const base = () => ({
  architecture: 'amd64',
  os: 'linux',
  created: '2024-01-01T00:00:00Z',
  config: {
    User: 'jovyan',
    Env: ['PATH=/opt/conda/bin:/usr/bin', 'HOME=/root', 'NB_USER=jovyan'],
    Entrypoint: ['tini', '-g', '--'],
    Cmd: ['start-notebook.sh'],
    WorkingDir: '/home/jovyan',
    ExposedPorts: { '8888/tcp': {} },
    Labels: { keep: 'me', 'io.k8s.description': 'old' },
  },
  rootfs: { type: 'layers', diff_ids: ['sha256:a', 'sha256:b'] },
  history: [{ created: '2024-01-01T00:00:00Z', created_by: 'ADD rootfs' }, { created_by: 'ENV x', empty_layer: true }, { created_by: 'RUN useradd' }],
});

const changes = {
  diffIds: ['sha256:a2', 'sha256:b2'],
  extraDiffId: 'sha256:scripts',
  uid: 1000,
  home: '/home/jovyan',
  cmd: ['/usr/libexec/s2i/run'],
  labels: { 'io.k8s.description': 'builder', 'io.openshift.s2i.scripts-url': 'image:///usr/libexec/s2i' },
  created: '2025-06-01T12:00:00.000Z',
  createdBy: 'tjs2i builder minimal-notebook',
};

describe('builder-config', () => {
  describe('withEnv', () => {
    it('replaces the variable in place, adds it at the end when absent, and drops duplicates', () => {
      expect(withEnv(['A=1', 'HOME=/root', 'B=2'], 'HOME', '/home/j')).to.deep.equal(['A=1', 'HOME=/home/j', 'B=2']);
      expect(withEnv(['A=1'], 'HOME', '/home/j')).to.deep.equal(['A=1', 'HOME=/home/j']);
      expect(withEnv(null, 'HOME', '/h')).to.deep.equal(['HOME=/h']);
      expect(withEnv(['HOME=/a', 'X=1', 'HOME=/b', 'HOMEDIR=/x'], 'HOME', '/h')).to.deep.equal(['HOME=/h', 'X=1', 'HOMEDIR=/x']);
    });
  });

  describe('builderConfig', () => {
    it('replaces the diff ids and adds the scripts layer, with one history entry for it', () => {
      const config = builderConfig(base(), changes) as ReturnType<typeof base>;
      expect(config.rootfs).to.deep.equal({ type: 'layers', diff_ids: ['sha256:a2', 'sha256:b2', 'sha256:scripts'] });
      expect(config.history).to.have.length(4);
      expect(config.history.slice(0, 3)).to.deep.equal(base().history);
      expect(config.history[3]).to.deep.equal({ created: changes.created, created_by: changes.createdBy, comment: 'tjs2i builder' });
      // Layers and non-empty history entries stay in step (docker history pairs them).
      expect(config.history.filter((h) => !('empty_layer' in h)).length).to.equal(config.rootfs.diff_ids.length);
    });

    it('sets a numeric USER, HOME (replaced), the run script as CMD and merges the labels; keeps the rest', () => {
      const config = builderConfig(base(), changes) as ReturnType<typeof base>;
      expect(config.config.User).to.equal('1000');
      expect(config.config.Env).to.deep.equal(['PATH=/opt/conda/bin:/usr/bin', 'HOME=/home/jovyan', 'NB_USER=jovyan']);
      expect(config.config.Cmd).to.deep.equal(['/usr/libexec/s2i/run']);
      expect(config.config.Labels).to.deep.equal({ keep: 'me', 'io.k8s.description': 'builder', 'io.openshift.s2i.scripts-url': 'image:///usr/libexec/s2i' });
      expect(config.config.Entrypoint).to.deep.equal(['tini', '-g', '--']);
      expect(config.config.WorkingDir).to.equal('/home/jovyan');
      expect(config.config.ExposedPorts).to.deep.equal({ '8888/tcp': {} });
      expect(config.created).to.equal(changes.created);
      expect(config.architecture).to.equal('amd64');
    });

    it('adds HOME when the base has no Env, and Labels when it has none', () => {
      const b = base() as Record<string, unknown> & { config: Record<string, unknown> };
      delete b.config.Env;
      delete b.config.Labels;
      const config = builderConfig(b, changes) as ReturnType<typeof base>;
      expect(config.config.Env).to.deep.equal(['HOME=/home/jovyan']);
      expect(config.config.Labels).to.deep.equal(changes.labels);
    });

    it('does not change the base config object', () => {
      const b = base();
      builderConfig(b, changes);
      expect(b).to.deep.equal(base());
    });

    it('refuses a config whose layer count differs from the export, or without diff ids', () => {
      expect(() => builderConfig(base(), { ...changes, diffIds: ['sha256:a2'] })).to.throw(BuildFailedError, /lists 2 layers, its export 1/);
      expect(() => builderConfig({ ...base(), rootfs: undefined }, changes)).to.throw(BuildFailedError, /no rootfs\.diff_ids/);
    });
  });

  it('serializeConfig gives the image id the engine derives: sha256 of the bytes', () => {
    const { bytes, id } = serializeConfig({ a: 1 });
    expect(bytes.toString()).to.equal('{"a":1}');
    expect(id).to.equal(`sha256:${createHash('sha256').update('{"a":1}').digest('hex')}`);
  });

  it('loadManifest: one untagged image with its config and layers in order', () => {
    expect(JSON.parse(loadManifest('abc.json', ['layers/1.tar', 'layers/0.tar']).toString())).to.deep.equal([
      { Config: 'abc.json', RepoTags: null, Layers: ['layers/1.tar', 'layers/0.tar'] },
    ]);
  });
});
