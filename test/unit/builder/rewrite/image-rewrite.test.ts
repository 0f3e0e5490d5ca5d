import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { BuildFailedError } from '../../../../src/common/errors.js';
import { rewriteImage, type ImageRewriteSpec } from '../../../../src/builder/rewrite/image-rewrite.js';
import { s2iScript } from '../../../../src/common/package-files.js';
import { encodeEntry, END_OF_ARCHIVE } from '../../../../src/common/tar/raw-tar-entry.js';
import { FakeImages, imageInfo } from '../../../support/unit/fake-images.js';
import { END, entry, pax } from '../../../support/unit/tar-craft.js';
import { parseTar, readAll, rejectionOf, type TarEntry } from '../../../support/unit/helpers.js';

const sha = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

type Entry = { name: string; data?: Buffer | string; type?: 'file' | 'directory' | 'symlink'; linkname?: string; mode?: number; mtime?: Date };

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === 'directory' || e.type === 'symlink') pack.entry({ name: e.name, type: e.type, linkname: e.linkname ?? '', mode: e.mode ?? 0o755 });
    else pack.entry({ name: e.name, mode: e.mode ?? 0o644, uid: 1000, gid: 100, ...(e.mtime ? { mtime: e.mtime } : {}) }, e.data ?? '');
  }
  pack.finalize();
  return readAll(pack as never);
}

/** Two layers with nothing to change (no tree, no set-id bit, no /etc/passwd): they must come out as they went in. */
const layerA = () =>
  tarOf([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/hostname', data: 'a\n' },
  ]);
const layerB = () =>
  tarOf([
    { name: 'srv/', type: 'directory' },
    { name: 'srv/app/x', data: 'b'.repeat(3000) },
    { name: 'srv/link', type: 'symlink', linkname: 'app/x' },
  ]);

const baseConfig = (diffIds: string[]) => ({
  architecture: 'amd64',
  os: 'linux',
  config: { User: 'jovyan', Env: ['PATH=/usr/bin'], Entrypoint: ['tini', '--'], Cmd: ['start-notebook.sh'], Labels: { base: '1' } },
  rootfs: { type: 'layers', diff_ids: diffIds },
  history: diffIds.map((_, i) => ({ created_by: `step ${i}` })),
});

/** A docker 20.10 save: config, then v1-id directories (not in layer order; a repeated layer is a link), then manifest.json. */
async function legacyExport(): Promise<{ archive: Buffer; a: Buffer; b: Buffer }> {
  const a = await layerA();
  const b = await layerB();
  const config = Buffer.from(JSON.stringify(baseConfig([sha(b), sha(a), sha(b)])));
  const archive = await tarOf([
    { name: 'cfg0123.json', data: config },
    { name: 'aaaa/', type: 'directory' },
    { name: 'aaaa/VERSION', data: '1.0' },
    { name: 'aaaa/json', data: '{"id":"aaaa"}' },
    { name: 'aaaa/layer.tar', data: a },
    { name: 'bbbb/', type: 'directory' },
    { name: 'bbbb/VERSION', data: '1.0' },
    { name: 'bbbb/layer.tar', data: b },
    { name: 'cccc/', type: 'directory' },
    { name: 'cccc/layer.tar', type: 'symlink', linkname: '../bbbb/layer.tar' },
    {
      name: 'manifest.json',
      data: JSON.stringify([{ Config: 'cfg0123.json', RepoTags: null, Layers: ['bbbb/layer.tar', 'aaaa/layer.tar', 'cccc/layer.tar'] }]),
    },
    { name: 'repositories', data: '{}' },
  ]);
  return { archive, a, b };
}

/** A docker 25+ save: an OCI layout whose blobs are layers and JSON alike, plus manifest.json. */
async function ociExport(layer: Buffer = Buffer.alloc(0)): Promise<{ archive: Buffer; a: Buffer; b: Buffer }> {
  const a = layer.length ? layer : await layerA();
  const b = await layerB();
  const config = Buffer.from(JSON.stringify(baseConfig([sha(a), sha(b)])));
  const blob = (data: Buffer) => `blobs/sha256/${sha(data).slice(7)}`;
  const archive = await tarOf([
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
    { name: blob(b), data: b },
    { name: blob(config), data: config },
    { name: blob(a), data: a },
    { name: 'index.json', data: '{"schemaVersion":2,"manifests":[]}' },
    { name: 'manifest.json', data: JSON.stringify([{ Config: blob(config), RepoTags: null, Layers: [blob(a), blob(b)] }]) },
    { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
  ]);
  return { archive, a, b };
}

interface Loaded {
  entries: TarEntry[];
  manifest: { Config: string; RepoTags: null; Layers: string[] };
  config: ReturnType<typeof baseConfig>;
  file: (name: string) => Buffer;
}

function imagesExporting(archive: Buffer): FakeImages & { loaded?: Loaded } {
  const images = new FakeImages() as FakeImages & { loaded?: Loaded };
  images.exportImpl = async () => Readable.from([archive.subarray(0, 700), archive.subarray(700)]);
  images.loadImpl = async (stream) => {
    const entries = await parseTar(await readAll(stream));
    const file = (name: string) => entries.find((e) => e.name === name)!.data;
    const manifest = JSON.parse(file('manifest.json').toString()) as Loaded['manifest'][];
    const configBytes = file(manifest[0]!.Config);
    images.loaded = { entries, manifest: manifest[0]!, config: JSON.parse(configBytes.toString()), file };
    return { imageIds: [sha(configBytes)], tags: [] };
  };
  return images;
}

const spec: ImageRewriteSpec = {
  image: 'sha256:base',
  rules: { trees: ['/opt/conda'] },
  uid: 1000,
  home: '/home/jovyan',
  cmd: ['/usr/libexec/s2i/run'],
  labels: { 'io.openshift.s2i.scripts-url': 'image:///usr/libexec/s2i' },
  createdBy: 'tjs2i builder test',
  final: { stat: async () => undefined, read: async () => undefined },
};

describe('image-rewrite (fake engine)', () => {
  it('legacy export: layers in manifest order (not archive order), a repeated layer once, new diff ids, the scripts layer, the new config', async () => {
    const { archive, a, b } = await legacyExport();
    const images = imagesExporting(archive);
    const result = await rewriteImage(images, spec);
    const loaded = images.loaded!;
    expect(loaded.manifest.RepoTags).to.equal(null);
    expect(loaded.manifest.Layers).to.deep.equal(['layers/1.tar', 'layers/0.tar', 'layers/1.tar', 'layers/scripts.tar']);
    // Nothing to change in these layers: byte for byte the same, so the same diff ids.
    expect(loaded.file('layers/0.tar').equals(a)).to.equal(true);
    expect(loaded.file('layers/1.tar').equals(b)).to.equal(true);
    const scripts = loaded.file('layers/scripts.tar');
    expect(loaded.config.rootfs.diff_ids).to.deep.equal([sha(b), sha(a), sha(b), sha(scripts)]);
    expect(loaded.config.config.User).to.equal('1000');
    expect(loaded.config.config.Env).to.deep.equal(['PATH=/usr/bin', 'HOME=/home/jovyan']);
    expect(loaded.config.config.Cmd).to.deep.equal(['/usr/libexec/s2i/run']);
    expect(loaded.config.config.Entrypoint).to.deep.equal(['tini', '--']);
    expect(loaded.config.config.Labels).to.deep.equal({ base: '1', 'io.openshift.s2i.scripts-url': 'image:///usr/libexec/s2i' });
    expect(loaded.config.history.map((h) => h.created_by)).to.deep.equal(['step 0', 'step 1', 'step 2', 'tjs2i builder test']);
    expect(loaded.entries.map((e) => e.name).filter((n) => n.endsWith('.json'))).to.have.length(2); // config + manifest, no v1 metadata
    expect(result.imageId).to.equal(sha(loaded.file(loaded.manifest.Config)));
    expect(loaded.manifest.Config).to.equal(`${result.imageId.slice(7)}.json`);
    expect(result.layers.map((l) => l.source)).to.deep.equal(['aaaa/layer.tar', 'bbbb/layer.tar']);
    expect(images.methods()).to.deep.equal(['exportImage', 'loadImage']);
  });

  it('the extra layer: assemble, run and usage in /usr/libexec/s2i, 0755 root:0, with their directory only (no parent known)', async () => {
    const images = imagesExporting((await legacyExport()).archive);
    await rewriteImage(images, spec);
    const entries = await parseTar(images.loaded!.file('layers/scripts.tar'));
    expect(entries.map((e) => [e.name, e.type, e.mode.toString(8), e.uid, e.gid])).to.deep.equal([
      ['usr/libexec/s2i/', 'directory', '755', 0, 0],
      ['usr/libexec/s2i/assemble', 'file', '755', 0, 0],
      ['usr/libexec/s2i/run', 'file', '755', 0, 0],
      ['usr/libexec/s2i/usage', 'file', '755', 0, 0],
    ]);
    for (const name of ['assemble', 'run', 'usage'] as const) {
      expect(entries.find((e) => e.name.endsWith(`/${name}`))!.data.equals(await readFile(s2iScript(name)))).to.equal(true);
    }
  });

  it('set-id files and /etc/passwd outside the trees: their layer unchanged, written again in the extra layer with their parents', async () => {
    const system = await tarOf([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/passwd', data: 'root:x:0:0::/root:/bin/sh\n', mode: 0o644 },
      { name: 'usr/', type: 'directory' },
      { name: 'usr/bin/', type: 'directory', mode: 0o750 },
      { name: 'usr/bin/su', data: 'su\n', mode: 0o4755 },
      { name: 'usr/libexec/', type: 'directory', mode: 0o711 },
    ]);
    const { archive } = await ociExport(system);
    const images = imagesExporting(archive);
    const directory = { name: '', size: 0, type: 'directory' as const, mode: 0o755, linkTarget: '' };
    const files: Record<string, Buffer> = {
      '/usr/bin/su': Buffer.concat([
        encodeEntry({ path: 'su', type: 'file', mode: 0o4755, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: 99, size: 3 }, Buffer.from('su\n')),
        END_OF_ARCHIVE,
      ]),
      '/etc/passwd': Buffer.concat([
        encodeEntry({ path: 'passwd', type: 'file', mode: 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: 98, size: 5 }, Buffer.from('root\n')),
        END_OF_ARCHIVE,
      ]),
    };
    const final = {
      stat: async (path: string) => {
        const modes: Record<string, number> = { '/usr': 0o755, '/usr/bin': 0o750, '/usr/libexec': 0o711, '/etc': 0o755 };
        return modes[path] ? { ...directory, mode: modes[path] } : files[path] ? { ...directory, type: 'file' as const, size: 5 } : undefined;
      },
      read: async (path: string) => files[path],
    };
    const result = await rewriteImage(images, { ...spec, final });
    const loaded = images.loaded!;
    // Byte for byte as it was: the same diff id, so the engine keeps the layer it has.
    expect(loaded.config.rootfs.diff_ids[0]).to.equal(sha(system));
    expect(result.layers.every((l) => l.unchanged)).to.equal(true);
    const extra = await parseTar(loaded.file('layers/scripts.tar'));
    expect(extra.map((e) => [e.name, e.type, e.mode.toString(8)])).to.deep.equal([
      ['etc/', 'directory', '755'],
      ['usr/', 'directory', '755'],
      ['usr/bin/', 'directory', '750'],
      ['usr/libexec/', 'directory', '711'],
      ['usr/libexec/s2i/', 'directory', '755'],
      ['usr/libexec/s2i/assemble', 'file', '755'],
      ['usr/libexec/s2i/run', 'file', '755'],
      ['usr/libexec/s2i/usage', 'file', '755'],
      ['etc/passwd', 'file', '664'],
      ['usr/bin/su', 'file', '755'],
    ]);
    expect(extra.find((e) => e.name === 'usr/bin/su')?.data.toString()).to.equal('su\n');
    expect(result.fixes.map((f) => f.header.path)).to.deep.equal(['etc/passwd', 'usr/bin/su']);
  });

  it("a set-id file the engine shows as the layer had it: the layer's own copy goes into the extra layer, no archive read", async () => {
    const system = await tarOf([
      { name: 'usr/', type: 'directory' },
      { name: 'usr/bin/', type: 'directory' },
      { name: 'usr/bin/su', data: 'su\n', mode: 0o4755, mtime: new Date(1_000_000) },
    ]);
    const { archive } = await ociExport(system);
    const images = imagesExporting(archive);
    const directory = { name: '', size: 0, type: 'directory' as const, mode: 0o755, linkTarget: '' };
    const reads: string[] = [];
    const final = {
      stat: async (path: string) =>
        path === '/usr/bin/su'
          ? { ...directory, type: 'file' as const, size: 3, mode: 0o755, special: 0o4000, mtime: 1000 }
          : ['/usr', '/usr/bin'].includes(path)
            ? directory
            : undefined,
      read: async (path: string) => {
        reads.push(path);
        return undefined;
      },
    };
    const result = await rewriteImage(images, { ...spec, final });
    expect(reads).to.deep.equal([]);
    const su = (await parseTar(images.loaded!.file('layers/scripts.tar'))).find((e) => e.name === 'usr/bin/su')!;
    expect([su.mode.toString(8), su.uid, su.gid, su.data.toString()]).to.deep.equal(['755', 1000, 100, 'su\n']);
    expect(result.fixes.map((f) => f.was.toString(8))).to.deep.equal(['4755']);
  });

  it('OCI-layout export: layer blobs recognised by their tar header, config and manifests kept as metadata', async () => {
    const { archive, a, b } = await ociExport();
    const images = imagesExporting(archive);
    await rewriteImage(images, spec);
    const loaded = images.loaded!;
    // b arrives first in the archive.
    expect(loaded.manifest.Layers).to.deep.equal(['layers/1.tar', 'layers/0.tar', 'layers/scripts.tar']);
    expect(loaded.config.rootfs.diff_ids.slice(0, 2)).to.deep.equal([sha(a), sha(b)]);
  });

  it('a gzip-compressed layer is refused with a hint to use --dockerfile, and the load is abandoned', async () => {
    const { archive } = await ociExport(gzipSync(await layerA()));
    const images = imagesExporting(archive);
    let loadFailed: unknown;
    images.loadImpl = (stream) =>
      readAll(stream).then(
        () => ({ imageIds: [], tags: [] }),
        (error: unknown) => {
          loadFailed = error;
          throw error;
        },
      );
    const error = await rejectionOf(rewriteImage(images, spec));
    expect(error).to.be.instanceOf(BuildFailedError);
    expect((error as BuildFailedError).message).to.match(/gzip-compressed layer/);
    expect((error as BuildFailedError).hint).to.contain('tjs2i builder <stack> --dockerfile');
    expect(loadFailed, 'the load saw its upload fail').to.be.instanceOf(Error);
  });

  it('a layer the rewriter cannot read as Go does is refused with a hint to use --dockerfile', async () => {
    // A PAX uid Go cannot parse: the engine would refuse the layer, the rewriter refuses the image.
    const layer = Buffer.concat([pax([['uid', '0x10']]), entry({ name: 'opt/conda/x', type: '0', mode: 0o4755 }, 'x'), END]);
    const images = imagesExporting((await ociExport(layer)).archive);
    images.loadImpl = (stream) => readAll(stream).then(() => ({ imageIds: [], tags: [] }));
    const error = await rejectionOf(rewriteImage(images, spec));
    expect(error).to.be.instanceOf(BuildFailedError);
    expect((error as BuildFailedError).message).to.match(/cannot be read: invalid PAX uid "0x10"/);
    expect((error as BuildFailedError).hint).to.contain('tjs2i builder <stack> --dockerfile');
  });

  it('a load that ends with another image than expected is an error, and the untagged image it made is removed', async () => {
    const images = imagesExporting((await legacyExport()).archive);
    const load = images.loadImpl;
    let expected = '';
    images.loadImpl = async (stream) => {
      const result = await load(stream);
      expected = result.imageIds[0]!;
      images.local.set(expected, imageInfo({ id: expected, repoTags: [] }));
      return { imageIds: ['sha256:other'], tags: [] };
    };
    const error = await rejectionOf(rewriteImage(images, spec));
    expect(error).to.be.instanceOf(BuildFailedError);
    expect((error as Error).message).to.equal(`the engine reported loading sha256:other, not the rewritten image ${expected}`);
    expect(images.removedImages).to.deep.equal([expected]);
  });

  it('an export without manifest.json is unsupported', async () => {
    const images = imagesExporting(await tarOf([{ name: 'aaaa/layer.tar', data: await layerA() }]));
    images.loadImpl = (stream) => readAll(stream).then(() => ({ imageIds: [], tags: [] }));
    const error = await rejectionOf(rewriteImage(images, spec));
    expect(error).to.be.instanceOf(BuildFailedError);
    expect((error as BuildFailedError).message).to.contain('no manifest.json');
  });
});
