import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createTarPack } from '../../../../src/common/tar/tar-pack.js';
import { unpackTar, type UnpackedHeader } from '../../../../src/common/tar/tar-unpack.js';
import { readAll, rejectionOf, tempDir } from '../../../support/unit/helpers.js';

const owner = { uid: 1000, gid: 0, uname: '', gname: '', mode: 0o640, mtime: 1_700_000_000 };
const LATIN1 = Buffer.from([0x63, 0xe9]); // "cé"

/** Every entry of an archive given in chunks of `size` bytes: its header (names as Latin-1 text) and data. */
async function unpack(archive: Buffer, size = 100, read = true): Promise<[string, string, UnpackedHeader['type'], number, string][]> {
  const parts = Array.from({ length: Math.ceil(archive.length / size) }, (_, i) => archive.subarray(i * size, (i + 1) * size));
  const entries: [string, string, UnpackedHeader['type'], number, string][] = [];
  for await (const { header, data } of unpackTar(Readable.from(parts))) {
    const chunks: Buffer[] = [];
    if (read) for await (const chunk of data) chunks.push(chunk);
    const content = Buffer.concat(chunks);
    entries.push([header.path.toString('latin1'), header.linkname.toString('latin1'), header.type, header.mode, content.toString('latin1')]);
  }
  return entries;
}

describe('tar-unpack: a tar read as a stream, names as bytes', () => {
  let archive: Buffer;

  before(async () => {
    const pack = createTarPack();
    const reading = readAll(pack.stream);
    await pack.add({ ...owner, path: Buffer.concat([Buffer.from('src/'), LATIN1]), type: 'directory', mode: 0o755 });
    await pack.add({ ...owner, path: Buffer.concat([Buffer.from('src/'), LATIN1, Buffer.from('/a')]), type: 'file' }, Buffer.from('abc'));
    await pack.add({ ...owner, path: `src/${'long/'.repeat(40)}b`, type: 'file' }, Buffer.alloc(1500, 0x62));
    await pack.add({ ...owner, path: 'src/link', type: 'symlink', linkname: LATIN1, mode: 0o777 });
    pack.finalize();
    archive = await reading;
  });

  it('reads what tar-pack writes, in any chunking: names, link targets, types, modes and data', async () => {
    const expected = [
      ['src/c\xe9/', '', 'directory', 0o755, ''],
      ['src/c\xe9/a', '', 'file', 0o640, 'abc'],
      [`src/${'long/'.repeat(40)}b`, '', 'file', 0o640, 'b'.repeat(1500)],
      ['src/link', 'c\xe9', 'symlink', 0o777, ''],
    ];
    for (const size of [1, 7, 512, 100_000]) expect(await unpack(archive, size), `chunks of ${size}`).to.deep.equal(expected);
  });

  it('skips the data a caller leaves unread', async () => {
    expect((await unpack(archive, 300, false)).map(([path]) => path)).to.deep.equal(['src/c\xe9/', 'src/c\xe9/a', `src/${'long/'.repeat(40)}b`, 'src/link']);
  });

  it('reads GNU tar’s own archives: raw bytes in the name field, long names as GNU entries', async () => {
    const { dir, remove } = await tempDir();
    try {
      await mkdir(Buffer.concat([Buffer.from(`${dir}/t/`), LATIN1]), { recursive: true });
      await writeFile(Buffer.concat([Buffer.from(`${dir}/t/`), LATIN1, Buffer.from(`/${'x'.repeat(120)}`)]), 'gnu');
      await symlink(LATIN1, `${dir}/t/link`);
      const gnu = execFileSync('tar', ['--format=gnu', '--sort=name', '-cf', '-', '-C', `${dir}/t`, '.'], { env: { ...process.env, LC_ALL: 'C' } });
      expect((await unpack(gnu)).map(([path, link, type, , data]) => [path, link, type, data])).to.deep.equal([
        ['./', '', 'directory', ''],
        ['./c\xe9/', '', 'directory', ''],
        [`./c\xe9/${'x'.repeat(120)}`, '', 'file', 'gnu'],
        ['./link', 'c\xe9', 'symlink', ''],
      ]);
    } finally {
      await remove();
    }
  });

  it('refuses a truncated archive and a corrupt header', async () => {
    // Each of the first two entries is 3 blocks: a PAX header, its records (the name is not ASCII), the ustar header.
    expect(((await rejectionOf(unpack(archive.subarray(0, 512 * 6 + 1)))) as Error).message).to.equal('the archive ends inside an entry');
    expect(((await rejectionOf(unpack(archive.subarray(0, 512 * 3 + 100)))) as Error).message).to.equal('the archive ends inside a header');
    const corrupt = Buffer.from(archive);
    corrupt[0] = 0x41;
    expect(((await rejectionOf(unpack(corrupt))) as Error).message).to.match(/^invalid tar header checksum at byte 0$/);
  });

  it('closes the archive when its reader stops early, so the writer stops too', async () => {
    const pack = createTarPack();
    const writing = (async () => {
      for (let i = 0; i < 50; i++) await pack.add({ ...owner, path: `f${i}`, type: 'file' }, Buffer.alloc(64 * 1024));
    })();
    for await (const { header } of unpackTar(pack.stream)) if (header.path.toString() === 'f1') break;
    expect(pack.stream.destroyed).to.equal(true);
    expect(await rejectionOf(writing)).to.be.instanceOf(Error);
  });

  it('reads an empty stream as an empty archive', async () => {
    expect(await unpack(Buffer.alloc(0))).to.deep.equal([]);
  });
});
