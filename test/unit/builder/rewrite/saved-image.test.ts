import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { classifyEntry, compressionOf, isTarBlock, linkTargetOf, readManifest } from '../../../../src/builder/rewrite/saved-image.js';
import { BuildFailedError } from '../../../../src/common/errors.js';
import { readAll } from '../../../support/unit/helpers.js';

async function tarOf(entries: { name: string; content?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, mode: 0o644 }, e.content ?? '');
  pack.finalize();
  return readAll(pack as never);
}

describe('export-archive', () => {
  it('isTarBlock: a header with the ustar magic and a valid checksum, or an empty archive', async () => {
    const layer = await tarOf([{ name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' }]);
    expect(isTarBlock(layer)).to.equal(true);
    expect(isTarBlock(Buffer.alloc(1024))).to.equal(true);
    const corrupt = Buffer.from(layer);
    corrupt[0] = corrupt[0]! ^ 1; // the checksum no longer matches
    expect(isTarBlock(corrupt)).to.equal(false);
    // JSON that happens to hold "ustar" at offset 257 is not a tar header.
    const json = Buffer.from(JSON.stringify({ pad: 'x'.repeat(242), m: 'ustar' }).padEnd(600, ' '));
    expect(json.toString('latin1', 257, 262)).to.equal('ustar');
    expect(isTarBlock(json)).to.equal(false);
    expect(isTarBlock(Buffer.alloc(100))).to.equal(false);
  });

  it('classifies legacy (docker 20.10) entries by name and first block', async () => {
    const layer = await tarOf([{ name: 'opt/conda/x' }]);
    expect(classifyEntry('4a98745b.json', 6376, Buffer.from('{"architecture"'))).to.equal('metadata');
    expect(classifyEntry('898e9d94/VERSION', 3, Buffer.from('1.0'))).to.equal('metadata');
    expect(classifyEntry('898e9d94/json', 477, Buffer.from('{"id"'))).to.equal('metadata');
    expect(classifyEntry('898e9d94/layer.tar', layer.length, layer)).to.equal('layer');
    expect(classifyEntry('manifest.json', 534, Buffer.from('[{'))).to.equal('metadata');
    expect(classifyEntry('repositories', 113, Buffer.from('{'))).to.equal('metadata');
    expect(classifyEntry('898e9d94/layer.tar', 2048, Buffer.alloc(512, 7))).to.equal('unknown');
  });

  it('classifies OCI-layout blobs by their first block: layers, JSON, compressed layers', async () => {
    const layer = await tarOf([{ name: 'usr/bin/x' }]);
    expect(classifyEntry('blobs/sha256/aaaa', layer.length, layer)).to.equal('layer');
    expect(classifyEntry('blobs/sha256/bbbb', 900, Buffer.from('{"schemaVersion":2}'))).to.equal('metadata');
    const gz = gzipSync(layer);
    expect(classifyEntry('blobs/sha256/cccc', gz.length, gz.subarray(0, 512))).to.equal('compressed');
    expect(compressionOf(gz)).to.equal('gzip');
    expect(compressionOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0]))).to.equal('zstd');
    expect(classifyEntry('index.json', 300, Buffer.from('{'))).to.equal('metadata');
    expect(classifyEntry('oci-layout', 30, Buffer.from('{'))).to.equal('metadata');
    expect(classifyEntry('blobs/sha256/dddd', 64 * 1024 * 1024, Buffer.alloc(512, 1))).to.equal('unknown');
  });

  it('readManifest: the one image of manifest.json; anything else is unsupported, with a --dockerfile hint', () => {
    expect(readManifest(Buffer.from(JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: ['a/layer.tar', 'b/layer.tar'] }])))).to.deep.equal({
      config: 'c.json',
      layers: ['a/layer.tar', 'b/layer.tar'],
    });
    for (const bad of [
      undefined,
      Buffer.from('nope'),
      Buffer.from('[]'),
      Buffer.from('[{"Config":"c"},{"Config":"d"}]'),
      Buffer.from('[{"Config":1,"Layers":[]}]'),
    ]) {
      let error: unknown;
      try {
        readManifest(bad);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(BuildFailedError);
      expect((error as BuildFailedError).hint).to.contain('--dockerfile');
    }
  });

  it('linkTargetOf: a symbolic link relative to its directory, a hard link from the root', () => {
    expect(linkTargetOf('bbb/layer.tar', '../aaa/layer.tar', false)).to.equal('aaa/layer.tar');
    expect(linkTargetOf('bbb/layer.tar', 'aaa/layer.tar', true)).to.equal('aaa/layer.tar');
  });
});
