import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { getuid } from 'node:process';
import { join } from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import { encodeEntry, END_OF_ARCHIVE, paxRecord, readFirstEntry, type TarEntryHeader } from '../../../../src/common/tar/raw-tar-entry.js';
import { tempDir } from '../../../support/unit/helpers.js';
import { END, entry, pax } from '../../../support/unit/tar-craft.js';

const CAPABILITY = Buffer.from('0100000200040000000000000000000000000000', 'hex');
const LONG = `usr/${'deep/'.repeat(30)}su`;

const file = (fields: Partial<TarEntryHeader> = {}): TarEntryHeader => ({
  path: 'usr/bin/su',
  type: 'file',
  mode: 0o755,
  uid: 0,
  gid: 42,
  uname: 'root',
  gname: 'shadow',
  mtime: 1_700_000_000,
  size: 4,
  ...fields,
});

describe('tar-entry: entries written byte by byte, and read back', () => {
  it('PAX records count their own length, including a length that gains a digit', () => {
    for (const size of [0, 1, 5, 90, 91, 92, 93, 94, 995, 996, 997]) {
      const record = paxRecord('k', Buffer.alloc(size, 0x61));
      const digits = record.toString('latin1').split(' ')[0] as string;
      expect(Number(digits), `value of ${size} bytes`).to.equal(record.length);
    }
  });

  it('GNU tar lists what it writes: names, modes, owners, long names, hard links, directories', () => {
    const archive = Buffer.concat([
      encodeEntry({ ...file(), path: 'usr/bin', type: 'directory', mode: 0o2755, size: 0 }),
      encodeEntry(file(), Buffer.from('su!\n')),
      encodeEntry(file({ path: LONG, mode: 0o644 }), Buffer.from('long')),
      encodeEntry({ ...file({ path: 'usr/bin/su-link', type: 'link', linkname: LONG, size: 0 }) }),
      END_OF_ARCHIVE,
    ]);
    const listing = execFileSync('tar', ['-tv', '--numeric-owner', '-f', '-'], { input: archive }).toString().trim().split('\n');
    expect(listing).to.have.length(4);
    expect(listing[0]).to.match(/^drwxr-sr-x 0\/42 +0 .* usr\/bin\/$/);
    expect(listing[1]).to.match(/^-rwxr-xr-x 0\/42 +4 2023-11-1\d .* usr\/bin\/su$/);
    expect(listing[2]).to.contain(` ${LONG}`);
    expect(listing[3]).to.contain(`usr/bin/su-link link to ${LONG}`);
  });

  it('a binary extended attribute comes back byte for byte (tar and readFirstEntry)', async function () {
    const archive = Buffer.concat([encodeEntry(file({ extra: [['SCHILY.xattr.security.capability', CAPABILITY]] }), Buffer.from('su!\n')), END_OF_ARCHIVE]);
    const read = readFirstEntry(archive)!;
    expect(read.header.extra).to.deep.equal([['SCHILY.xattr.security.capability', CAPABILITY]]);
    expect(read.data.toString()).to.equal('su!\n');
    expect(read.header).to.include({
      path: 'usr/bin/su',
      type: 'file',
      mode: 0o755,
      uid: 0,
      gid: 42,
      uname: 'root',
      gname: 'shadow',
      mtime: 1_700_000_000,
      size: 4,
    });
    if (getuid?.() !== 0) this.skip();
    const { dir, remove } = await tempDir('tjs2i-tar-entry-');
    try {
      execFileSync('tar', ['-x', '--xattrs', '--xattrs-include=*', '-C', dir, '-f', '-'], { input: archive });
      const script = 'import os,sys; print(os.getxattr(sys.argv[1], "security.capability").hex())';
      expect(
        execFileSync('python3', ['-c', script, join(dir, 'usr/bin/su')])
          .toString()
          .trim(),
      ).to.equal(CAPABILITY.toString('hex'));
      expect((await stat(join(dir, 'usr/bin/su'))).gid).to.equal(42);
      expect(await readFile(join(dir, 'usr/bin/su'), 'utf8')).to.equal('su!\n');
    } finally {
      await remove();
    }
  });

  it('readFirstEntry: long names, ids beyond octal, empty archives, truncation', () => {
    const big = file({ path: LONG, uid: 2 ** 22, gid: 2 ** 22 + 1, uname: 'u'.repeat(40) });
    const read = readFirstEntry(Buffer.concat([encodeEntry(big, Buffer.from('data')), END_OF_ARCHIVE]))!;
    expect(read.header).to.include({ path: LONG, uid: 2 ** 22, gid: 2 ** 22 + 1, uname: 'u'.repeat(40) });
    expect(read.header.extra).to.deep.equal([]);
    expect(readFirstEntry(END_OF_ARCHIVE)).to.equal(undefined);
    expect(readFirstEntry(Buffer.alloc(0))).to.equal(undefined);
    const whole = encodeEntry(file(), Buffer.from('su!\n'));
    expect(() => readFirstEntry(whole.subarray(0, 514))).to.throw(/past the end/);
    const corrupt = Buffer.from(whole);
    corrupt[0] = 0x41;
    expect(() => readFirstEntry(corrupt)).to.throw(/checksum/);
  });

  it('readFirstEntry reads as Go does: the last PAX header only (its records, its xattrs), none across a global header', () => {
    const archive = Buffer.concat([
      pax([
        ['path', 'etc/decoy'],
        ['size', '999'],
        ['SCHILY.xattr.user.a', 'first'],
      ]),
      pax([
        ['mtime', '1'],
        ['SCHILY.xattr.user.b', 'last'],
      ]),
      entry({ name: 'usr/bin/su', type: '0', mode: 0o4755 }, 'su\n'),
      END,
    ]);
    const read = readFirstEntry(archive)!;
    expect(read.header).to.include({ path: 'usr/bin/su', size: 3, mtime: 1 });
    expect(read.header.extra?.map(([k, v]) => `${k}=${v.toString()}`)).to.deep.equal(['SCHILY.xattr.user.b=last']);
    expect(read.data.toString()).to.equal('su\n');
    const global = Buffer.concat([pax([['path', 'etc/decoy']]), pax([['comment', 'g']], 'g'), entry({ name: 'usr/bin/su', type: '0' }, 'x'), END]);
    expect(readFirstEntry(global)!.header.path).to.equal('usr/bin/su');
  });

  it('writes a path and a link target given as bytes as they are (a Latin-1 name is not UTF-8), in PAX records', () => {
    const latin1 = Buffer.from([0x63, 0xe9, 0x2e, 0x74, 0x78, 0x74]); // "cé.txt"
    const archive = Buffer.concat([
      encodeEntry({ ...file({ size: 2 }), path: Buffer.concat([Buffer.from('work/'), latin1]) }, Buffer.from('é\n', 'latin1')),
      encodeEntry({ ...file({ type: 'symlink', size: 0 }), path: Buffer.from('work/link'), linkname: latin1 }),
      encodeEntry({ ...file({ type: 'directory', size: 0 }), path: Buffer.concat([Buffer.from('work/r'), Buffer.from([0xe9])]) }),
      END_OF_ARCHIVE,
    ]);
    expect(archive.includes(Buffer.concat([Buffer.from(' path=work/'), latin1, Buffer.from('\n')]))).to.equal(true);
    expect(archive.includes(Buffer.concat([Buffer.from(' linkpath='), latin1, Buffer.from('\n')]))).to.equal(true);
    // GNU tar shows a byte that is not ASCII as an octal escape: \351 is 0xE9, and the UTF-8 é would be \303\251.
    const listing = execFileSync('tar', ['-tv', '--numeric-owner', '-f', '-'], { input: archive, env: { ...process.env, LC_ALL: 'C' } })
      .toString()
      .trim()
      .split('\n');
    expect(listing).to.have.length(3);
    expect(listing[0]).to.match(/^-rwxr-xr-x 0\/42 +2 .* work\/c\\351\.txt$/);
    expect(listing[1]).to.match(/^lrwxr-xr-x 0\/42 +0 .* work\/link -> c\\351\.txt$/);
    expect(listing[2]).to.match(/^drwxr-xr-x 0\/42 +0 .* work\/r\\351\/$/);
  });

  it('a file entry needs exactly its size in data', () => {
    expect(() => encodeEntry(file(), Buffer.from('too long'))).to.throw(/8 data bytes for a size of 4/);
  });
});
