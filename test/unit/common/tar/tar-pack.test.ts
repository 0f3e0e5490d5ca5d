import { expect } from 'chai';
import { Readable } from 'node:stream';
import { createTarPack } from '../../../../src/common/tar/tar-pack.js';
import { readAll, rejectionOf } from '../../../support/unit/helpers.js';
import { readRawTar } from '../../../support/unit/raw-tar.js';

const owner = { uid: 1000, gid: 0, uname: '', gname: '', mode: 0o644, mtime: 1_700_000_000 };

/** Chunks of a file's content, as a read stream gives them. */
const chunks = (...parts: Buffer[]) => Readable.from(parts);

describe('tar-pack: a tar written as a stream', () => {
  it('writes entries in order, names as bytes, data padded to whole blocks, then the end of the archive', async () => {
    const pack = createTarPack();
    const reading = readAll(pack.stream);
    const latin1 = Buffer.from([0x72, 0xe9]);
    await pack.add({ ...owner, path: latin1, type: 'directory', mode: 0o755 });
    await pack.add({ ...owner, path: Buffer.concat([latin1, Buffer.from('/a')]), type: 'file' }, Buffer.from('abc'));
    await pack.addStream({ ...owner, path: 'big', type: 'file', size: 1000 }, chunks(Buffer.alloc(600, 1), Buffer.alloc(400, 2)));
    await pack.add({ ...owner, path: 'link', type: 'symlink', linkname: latin1 });
    pack.finalize();
    const archive = await reading;
    expect(archive.length % 512).to.equal(0);
    expect(archive.subarray(-1024).equals(Buffer.alloc(1024))).to.equal(true);
    const entries = readRawTar(archive);
    expect(entries.map((e) => [e.typeflag, e.name.toString('latin1'), e.linkname.toString('latin1'), e.size])).to.deep.equal([
      ['5', 'r\xe9/', '', 0],
      ['0', 'r\xe9/a', '', 3],
      ['0', 'big', '', 1000],
      ['2', 'link', 'r\xe9', 0],
    ]);
    expect(entries[2]?.data.equals(Buffer.concat([Buffer.alloc(600, 1), Buffer.alloc(400, 2)]))).to.equal(true);
  });

  it('waits while the reader is behind (back-pressure), so a big file is never held whole', async () => {
    const pack = createTarPack();
    let written = 0;
    const writing = (async () => {
      for (let i = 0; i < 100; i++) {
        await pack.add({ ...owner, path: `f${i}`, type: 'file' }, Buffer.alloc(64 * 1024));
        written++;
      }
      pack.finalize();
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(written, 'entries taken before anyone reads').to.be.below(3);
    const archive = await readAll(pack.stream);
    await writing;
    expect(readRawTar(archive)).to.have.length(100);
  });

  it('refuses a streamed file that brings fewer or more bytes than its size', async () => {
    const short = createTarPack();
    short.stream.resume();
    const shortError = await rejectionOf(short.addStream({ ...owner, path: 'f', type: 'file', size: 10 }, chunks(Buffer.alloc(4))));
    expect((shortError as Error).message).to.equal('4 bytes of the 10 announced');
    const long = createTarPack();
    long.stream.resume();
    const longError = await rejectionOf(long.addStream({ ...owner, path: 'f', type: 'file', size: 3 }, chunks(Buffer.alloc(4))));
    expect((longError as Error).message).to.equal('more than the 3 bytes announced');
  });

  it('refuses data for an entry that has none', async () => {
    const pack = createTarPack();
    const error = await rejectionOf(pack.add({ ...owner, path: 'd', type: 'directory' }, Buffer.from('x')));
    expect((error as Error).message).to.equal('a directory entry has no data');
  });

  it('fails the writer waiting on a stream that its reader destroys, with the reader’s reason', async () => {
    const pack = createTarPack();
    const waiting = pack.add({ ...owner, path: 'f', type: 'file' }, Buffer.alloc(256 * 1024));
    pack.stream.on('error', () => undefined);
    pack.stream.destroy(new Error('the engine went away'));
    expect(((await rejectionOf(waiting)) as Error).message).to.equal('the engine went away');
    expect(((await rejectionOf(pack.add({ ...owner, path: 'g', type: 'file' }))) as Error).message).to.equal('the engine went away');
  });
});
