import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { extraLayer } from '../../../../src/builder/rewrite/extra-layer.js';
import { parseTar } from '../../../support/unit/helpers.js';

const directory = (path: string, mode: number, gid = 0) => ({
  path,
  type: 'directory' as const,
  mode,
  uid: 0,
  gid,
  uname: 'root',
  gname: 'root',
  mtime: 42,
  size: 0,
});

describe('extra-layer: the scripts, the fixes and their directories', () => {
  it("a new scripts' directory is root's 0755 with the build time; the diff id is the layer's sha256", async () => {
    const { data, diffId } = await extraLayer({ mtime: new Date(5_000_000), parents: [directory('usr', 0o755)] });
    const entries = await parseTar(data);
    expect(entries.map((e) => [e.name, e.mode.toString(8), e.mtime])).to.deep.equal([
      ['usr/', '755', 42],
      ['usr/libexec/s2i/', '755', 5000],
      ['usr/libexec/s2i/assemble', '755', 5000],
      ['usr/libexec/s2i/run', '755', 5000],
      ['usr/libexec/s2i/usage', '755', 5000],
    ]);
    expect(diffId).to.equal(`sha256:${createHash('sha256').update(data).digest('hex')}`);
  });

  it("a scripts' directory the base has keeps the header it had (written once)", async () => {
    const parents = [directory('srv', 0o755), directory('srv/s2i', 0o750, 5)];
    const entries = await parseTar((await extraLayer({ mtime: new Date(5_000_000), parents, scriptsDir: '/srv/s2i' })).data);
    expect(entries.map((e) => [e.name, e.mode.toString(8), e.gid, e.mtime])).to.deep.equal([
      ['srv/', '755', 0, 42],
      ['srv/s2i/', '750', 5, 42],
      ['srv/s2i/assemble', '755', 0, 5000],
      ['srv/s2i/run', '755', 0, 5000],
      ['srv/s2i/usage', '755', 0, 5000],
    ]);
  });
});
