import { expect } from 'chai';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { displayName, joinNames, listDirectory, matchText } from '../../../src/source/raw-names.js';
import { tempDir } from '../../support/unit/helpers.js';

const b = (...bytes: number[]) => Buffer.from(bytes);

describe('raw-names: names read as bytes', () => {
  it('matchText: UTF-8 as it is, anything else one Latin-1 character per byte', () => {
    expect(matchText(Buffer.from('café.txt'))).to.equal('café.txt');
    expect(matchText(b(0x63, 0x61, 0x66, 0xe9))).to.equal('café');
    // One valid UTF-8 é and one Latin-1 é: the name is not UTF-8, so both bytes of the first are characters.
    expect(matchText(b(0xc3, 0xa9, 0xe9))).to.equal('Ã©é');
    expect(matchText(Buffer.alloc(0))).to.equal('');
  });

  it('displayName: UTF-8 characters as they are, any other byte as \\xNN', () => {
    expect(displayName('plain/name')).to.equal('plain/name');
    expect(displayName(Buffer.from('week 1/café ☃.ipynb'))).to.equal('week 1/café ☃.ipynb');
    expect(displayName(b(0x72, 0xe9, 0x73, 0x75, 0x6d, 0xe9))).to.equal('r\\xe9sum\\xe9');
    expect(displayName(Buffer.concat([Buffer.from('é/'), b(0xe9), Buffer.from('/☃')]))).to.equal('é/\\xe9/☃');
    // A sequence cut short and a lone continuation byte.
    expect(displayName(b(0x61, 0xe2, 0x98, 0x62, 0x80))).to.equal('a\\xe2\\x98b\\x80');
  });

  it('joinNames: parent/name, or the name alone under an empty parent', () => {
    expect(joinNames(Buffer.alloc(0), b(0xe9)).equals(b(0xe9))).to.equal(true);
    expect(joinNames(Buffer.from('a'), b(0xe9)).equals(b(0x61, 0x2f, 0xe9))).to.equal(true);
  });

  it('listDirectory: every entry by its bytes, in byte order, with the type the listing gives', async () => {
    const { dir, remove } = await tempDir();
    try {
      const at = (name: Buffer) => Buffer.concat([Buffer.from(`${dir}/`), name]);
      await writeFile(at(b(0x63, 0xe9)), '');
      await writeFile(at(Buffer.from('café')), '');
      await mkdir(at(b(0x64, 0xe9)));
      await symlink(b(0x64, 0xe9), at(Buffer.from('link')));
      const entries = listDirectory(Buffer.from(dir));
      expect(entries.map((e) => [e.name.toString('latin1'), e.isDirectory(), e.isSymbolicLink()])).to.deep.equal([
        ['cafÃ©', false, false],
        ['c\xe9', false, false],
        ['d\xe9', true, false],
        ['link', false, true],
      ]);
    } finally {
      await remove();
    }
  });
});
