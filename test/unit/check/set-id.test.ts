import { expect } from 'chai';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { FileFacts, ImageFiles } from '../../../src/check/image-files.js';
import { checkSetId, setIdLine } from '../../../src/check/set-id-check.js';
import { scanSetIdCandidates, SetIdScanError } from '../../../src/check/set-id-scan.js';
import type { PathStat } from '../../../src/engine/path-stat.js';
import { FakeImages } from '../../support/unit/fake-images.js';
import { readAll, rejectionOf } from '../../support/unit/helpers.js';

type Entry = { name: string; data?: Buffer | string; type?: 'file' | 'directory' | 'symlink' | 'link'; linkname?: string; mode?: number };

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type && e.type !== 'file') pack.entry({ name: e.name, type: e.type, linkname: e.linkname ?? '', mode: e.mode ?? 0o755 });
    else pack.entry({ name: e.name, mode: e.mode ?? 0o644 }, e.data ?? '');
  }
  pack.finalize();
  return readAll(pack as never);
}

/** A docker 20.10 save of these layers (in an order that is not the manifest's). */
async function exportOf(layers: Buffer[]): Promise<Buffer> {
  const names = layers.map((_, i) => `${String(i).repeat(4)}/layer.tar`);
  return tarOf([
    { name: 'cfg.json', data: '{}' },
    ...layers.map((data, i) => ({ name: names[i]!, data })).reverse(),
    { name: 'manifest.json', data: JSON.stringify([{ Config: 'cfg.json', RepoTags: null, Layers: names }]) },
    { name: 'repositories', data: '{}' },
  ]);
}

const stream = (archive: Buffer) => Readable.from([archive.subarray(0, 1000), archive.subarray(1000)]);

/** The final file system: the engine's stat of each path, and what /etc/passwd leads to. */
function finalFs(stats: Record<string, Partial<PathStat>>, passwd?: Omit<FileFacts, 'real'>): ImageFiles {
  return {
    stat: async (path) => (stats[path] ? { name: path, size: 0, type: 'file', mode: 0o755, linkTarget: '', ...stats[path] } : undefined),
    fileAt: async (path) => (path === '/etc/passwd' && passwd ? { real: path, ...passwd } : undefined),
    read: async () => undefined,
    remove: async () => undefined,
  };
}

describe('check: set-id files beside a writable /etc/passwd', () => {
  it("names the files that were set-id in any layer, and /etc/passwd, reading only the export's layers", async () => {
    const lower = await tarOf([
      { name: 'usr/', type: 'directory' },
      { name: 'usr/bin/su', data: 'x', mode: 0o4755 },
      { name: 'usr/bin/wall', data: 'x', mode: 0o2755 },
      { name: 'usr/bin/ls', data: 'x', mode: 0o755 },
      { name: 'srv/', type: 'directory', mode: 0o2775 },
      { name: 'etc/passwd', data: 'root:x:0:0::/root:/bin/sh\n', mode: 0o644 },
    ]);
    const upper = await tarOf([
      { name: 'usr/bin/.wh.wall' },
      { name: 'usr/local/bin/tool', data: 'y', mode: 0o6755 },
      { name: 'usr/local/bin/tool-too', type: 'link', linkname: 'usr/local/bin/tool', mode: 0o6755 },
    ]);
    const scan = await scanSetIdCandidates(stream(await exportOf([lower, upper])));
    expect(scan.layers).to.equal(2);
    // A set-gid directory is no escalation: only files are candidates.
    expect(scan.candidates).to.deep.equal(['/etc/passwd', '/usr/bin/su', '/usr/bin/wall', '/usr/local/bin/tool', '/usr/local/bin/tool-too']);
  });

  it('cannot read a compressed layer: the scan says so', async () => {
    const archive = await tarOf([{ name: 'blobs/sha256/abc', data: gzipSync(Buffer.alloc(4096)) }]);
    const error = await rejectionOf(scanSetIdCandidates(stream(archive)));
    expect(error).to.be.instanceOf(SetIdScanError);
    expect((error as Error).message).to.contain('gzip-compressed layer');
  });

  it('keeps the candidates that are set-id files in the final file system (the engine settles whiteouts and later layers)', async () => {
    const layer = await tarOf([
      { name: 'usr/bin/su', data: 'x', mode: 0o4755 },
      { name: 'usr/bin/gone', data: 'x', mode: 0o4755 },
      { name: 'usr/bin/cleared', data: 'x', mode: 0o2755 },
    ]);
    const images = new FakeImages();
    images.exportImpl = async () => stream(await exportOf([layer]));
    const fs = finalFs({ '/usr/bin/su': { special: 0o4000 }, '/usr/bin/cleared': { special: 0 } }, { type: 'file', mode: 0o664, uid: 0, gid: 0 });
    const facts = await checkSetId(images, fs, 'sha256:image', undefined);
    expect(facts).to.deep.equal({ files: ['/usr/bin/su'], passwd: { real: '/etc/passwd', type: 'file', mode: 0o664, uid: 0, gid: 0 } });
  });

  it('reports the scan it could not make as not determined', async () => {
    const images = new FakeImages();
    images.exportImpl = async () => stream(await tarOf([{ name: 'layer.tar', data: gzipSync(Buffer.alloc(4096)) }]));
    const facts = await checkSetId(images, finalFs({}), 'sha256:image', undefined);
    expect(facts).to.have.property('undetermined').that.contains('compressed');
    expect(setIdLine(facts)).to.deep.include({ status: 'warn' });
  });

  it('fails set-id files while group 0 (or anyone) may write /etc/passwd', () => {
    const files = ['/usr/bin/chfn', '/usr/bin/passwd', '/usr/bin/su', '/usr/local/bin/x'];
    const result = setIdLine({ files, passwd: { real: '/etc/passwd', type: 'file', mode: 0o664, uid: 0, gid: 0 } });
    expect(result.status).to.equal('fail');
    expect(result.found).to.equal(
      '4 set-id files (/usr/bin/chfn, /usr/bin/passwd, /usr/bin/su, and 1 more) while /etc/passwd is writable by group 0 (0664, owner 0:0): any UID in group 0 can make itself root',
    );
    expect(result.advice).to.contain('chmod ug-s');
    expect(setIdLine({ files, passwd: { real: '/etc/passwd', type: 'file', mode: 0o646, uid: 0, gid: 42 } }).status).to.equal('fail');
  });

  it('passes set-id files beside an /etc/passwd group 0 cannot write (another group may), and no set-id file beside a writable one', () => {
    expect(setIdLine({ files: ['/usr/bin/su'], passwd: { real: '/etc/passwd', type: 'file', mode: 0o644, uid: 0, gid: 0 } })).to.deep.include({
      status: 'pass',
      found: '1 set-id file (/usr/bin/su); /etc/passwd is not writable by group 0 (0644, owner 0:0)',
    });
    expect(setIdLine({ files: ['/usr/bin/su'], passwd: { real: '/etc/passwd', type: 'file', mode: 0o664, uid: 0, gid: 100 } }).status).to.equal('pass');
    expect(setIdLine({ files: [], passwd: { real: '/etc/passwd', type: 'file', mode: 0o664, uid: 0, gid: 0 } })).to.deep.include({
      status: 'pass',
      found: 'no set-id file; /etc/passwd is writable by group 0 (0664, owner 0:0)',
    });
    expect(setIdLine({ files: ['/usr/bin/su'] }).found).to.equal('1 set-id file (/usr/bin/su); there is no /etc/passwd');
  });

  it('judges an /etc/passwd of unknown owner (Podman, no stat in the image) by its group bits, as if group 0', () => {
    const unknown = { real: '/etc/passwd', type: 'file' as const, uid: undefined, gid: undefined };
    const writable = setIdLine({ files: ['/usr/bin/su'], passwd: { ...unknown, mode: 0o664 } });
    expect(writable.status).to.equal('fail');
    expect(writable.found).to.contain('/etc/passwd is writable by group 0 (0664, owner ?:?)');
    expect(setIdLine({ files: ['/usr/bin/su'], passwd: { ...unknown, mode: 0o644 } }).status).to.equal('pass');
  });

  it('names the file /etc/passwd leads to when it is a link', () => {
    const result = setIdLine({ files: ['/usr/bin/su'], passwd: { real: '/var/lib/passwd', type: 'file', mode: 0o664, uid: 0, gid: 0 } });
    expect(result.found).to.contain('/etc/passwd (/var/lib/passwd) is writable by group 0');
  });
});
