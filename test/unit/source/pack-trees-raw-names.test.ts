/**
 * Names that are not UTF-8 (a Latin-1 `é` is the single byte 0xE9, as old systems wrote course
 * files): packed with their bytes intact, and matched by `--exclude` and `.s2iignore` before the
 * packer looks at the file. The tar is read back with a reader that keeps names as bytes.
 */
import { expect } from 'chai';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { packTrees } from '../../../src/source/pack-trees.js';
import { compileExclude, readS2iIgnore, sourceFilter } from '../../../src/source/source-filter.js';
import { readAll, tempDir } from '../../support/unit/helpers.js';
import { bytes, rawEntry, readRawTar, type RawTarEntry } from '../../support/unit/raw-tar.js';

/** "cé.txt" and "résumé" in Latin-1: not valid UTF-8. */
const CE_TXT = Buffer.from([0x63, 0xe9, 0x2e, 0x74, 0x78, 0x74]);
const RESUME = Buffer.from([0x72, 0xe9, 0x73, 0x75, 0x6d, 0xe9]);
/** "lél", a symlink named in Latin-1. */
const LEL = Buffer.from([0x6c, 0xe9, 0x6c]);

/** Names as Latin-1 text: one character per byte, so a comparison shows every byte. */
const names = (entries: readonly RawTarEntry[]) => entries.map((e) => e.name.toString('latin1'));
const latin1 = (...parts: (string | Buffer)[]) => bytes(...parts).toString('latin1');

describe('packTrees: names that are not UTF-8', () => {
  let root: string;
  let remove: () => Promise<void>;

  beforeEach(async () => {
    ({ dir: root, remove } = await tempDir());
    await writeFile(bytes(root, '/', CE_TXT), 'top\n');
    await mkdir(bytes(root, '/', RESUME));
    await writeFile(bytes(root, '/', RESUME, '/', CE_TXT), 'inside\n');
    await writeFile(bytes(root, '/café.txt'), 'utf-8\n');
    await symlink(bytes(RESUME, '/', CE_TXT), bytes(root, '/', LEL));
    await symlink(CE_TXT, bytes(root, '/to-latin1'));
  });
  afterEach(() => remove());

  async function pack(exclude?: (relative: string, directory: boolean) => boolean) {
    const packing = packTrees({ uid: 1000, gid: 0, trees: [{ dir: root, prefix: 'src', ...(exclude ? { exclude } : {}) }] });
    const [archive, stats] = await Promise.all([readAll(packing.stream), packing.done]);
    return { entries: readRawTar(archive), stats };
  }

  it('packs files, directories and symlinks with the bytes of their names and targets', async () => {
    const { entries, stats } = await pack();
    expect(names(entries)).to.deep.equal([
      'src/',
      latin1('src/café.txt'),
      latin1('src/', CE_TXT),
      latin1('src/', LEL),
      latin1('src/', RESUME, '/'),
      latin1('src/', RESUME, '/', CE_TXT),
      'src/to-latin1',
    ]);
    expect(rawEntry(entries, bytes('src/', CE_TXT))?.data.toString()).to.equal('top\n');
    expect(rawEntry(entries, bytes('src/', RESUME, '/', CE_TXT))?.data.toString()).to.equal('inside\n');
    expect(rawEntry(entries, bytes('src/', RESUME, '/'))?.typeflag).to.equal('5');
    const link = rawEntry(entries, bytes('src/', LEL));
    expect([link?.typeflag, link?.linkname.toString('latin1')]).to.deep.equal(['2', latin1(RESUME, '/', CE_TXT)]);
    expect(rawEntry(entries, bytes('src/to-latin1'))?.linkname.equals(CE_TXT)).to.equal(true);
    expect(stats).to.deep.include({ files: 3, directories: 2, symlinks: 2 });
  });

  it('--exclude sees such a name as Latin-1 text, one character per byte', async () => {
    const { entries } = await pack(sourceFilter(compileExclude('^c.\\.txt$|^l.l$'), undefined));
    expect(names(entries)).to.deep.equal(['src/', latin1('src/café.txt'), latin1('src/', RESUME, '/'), latin1('src/', RESUME, '/', CE_TXT), 'src/to-latin1']);
  });

  it('.s2iignore written in UTF-8 matches a Latin-1 name by its characters', async () => {
    await writeFile(bytes(root, '/.s2iignore'), 'résumé/\ncé.txt\n');
    const ignored = await readS2iIgnore(root);
    const { entries } = await pack(sourceFilter(compileExclude(undefined), ignored?.rules));
    expect(names(entries)).to.deep.equal(['src/', 'src/.s2iignore', latin1('src/café.txt'), latin1('src/', LEL), 'src/to-latin1']);
  });

  it('.s2iignore written in Latin-1 matches the same names', async () => {
    await writeFile(bytes(root, '/.s2iignore'), bytes(RESUME, '/\n', CE_TXT, '\n'));
    const ignored = await readS2iIgnore(root);
    const { entries } = await pack(sourceFilter(compileExclude(undefined), ignored?.rules));
    expect(names(entries)).to.deep.equal(['src/', 'src/.s2iignore', latin1('src/café.txt'), latin1('src/', LEL), 'src/to-latin1']);
  });
});
