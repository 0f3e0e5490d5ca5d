/**
 * The direct write with names that are not UTF-8 (Latin-1 course files): the top of the source is
 * read without failing on them, and they reach work/ and the pristine copy with their bytes intact.
 */
import { expect } from 'chai';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { directWriteDecision, packDirect } from '../../../src/build/direct-write.js';
import type { ScriptLocation } from '../../../src/s2i/scripts.js';
import { compileExclude, sourceFilter } from '../../../src/source/source-filter.js';
import { readAll, tempDir } from '../../support/unit/helpers.js';
import { bytes, readRawTar } from '../../support/unit/raw-tar.js';

/** "cé.txt", "résumé" and "lél" in Latin-1: not valid UTF-8. */
const CE_TXT = Buffer.from([0x63, 0xe9, 0x2e, 0x74, 0x78, 0x74]);
const RESUME = Buffer.from([0x72, 0xe9, 0x73, 0x75, 0x6d, 0xe9]);
const LEL = Buffer.from([0x6c, 0xe9, 0x6c]);

const latin1 = (...parts: (string | Buffer)[]) => bytes(...parts).toString('latin1');
const noFilter = sourceFilter(compileExclude(undefined), undefined);

describe('direct write: names that are not UTF-8', () => {
  let root: string;
  let remove: () => Promise<void>;

  beforeEach(async () => {
    ({ dir: root, remove } = await tempDir());
    await writeFile(bytes(root, '/', CE_TXT), 'top\n');
    await mkdir(bytes(root, '/', RESUME));
    await writeFile(bytes(root, '/', RESUME, '/', CE_TXT), 'inside\n');
    await symlink(bytes(RESUME, '/', CE_TXT), bytes(root, '/', LEL));
  });
  afterEach(() => remove());

  it('writes them into work/ and the pristine copy with their bytes, links and link targets included', async () => {
    const pack = packDirect({ sourceDir: root, filter: noFilter, uid: 1000, now: new Date('2024-03-04T05:06:07Z') });
    const [archive, stats] = await Promise.all([readAll(pack.stream), pack.done]);
    const entries = readRawTar(archive);
    expect(entries.map((e) => `${e.typeflag} ${e.name.toString('latin1')}${e.linkname.length ? ` -> ${e.linkname.toString('latin1')}` : ''}`)).to.deep.equal([
      '5 .tjs2i/',
      '5 .tjs2i/course/',
      `0 ${latin1('work/', CE_TXT)}`,
      `1 ${latin1('.tjs2i/course/', CE_TXT)} -> ${latin1('work/', CE_TXT)}`,
      `2 ${latin1('work/', LEL)} -> ${latin1(RESUME, '/', CE_TXT)}`,
      `1 ${latin1('.tjs2i/course/', LEL)} -> ${latin1('work/', LEL)}`,
      `5 ${latin1('work/', RESUME, '/')}`,
      `5 ${latin1('.tjs2i/course/', RESUME, '/')}`,
      `0 ${latin1('work/', RESUME, '/', CE_TXT)}`,
      `1 ${latin1('.tjs2i/course/', RESUME, '/', CE_TXT)} -> ${latin1('work/', RESUME, '/', CE_TXT)}`,
      '0 work/.tjs2i-seeded',
    ]);
    expect(entries[2]?.data.toString()).to.equal('top\n');
    expect(stats).to.deep.equal({ files: 2, directories: 1, symlinks: 1, bytes: 4 + 7 });
  });

  it('leaves out such a name when --exclude matches it', async () => {
    const pack = packDirect({ sourceDir: root, filter: sourceFilter(compileExclude('^r.sum.$'), undefined), uid: 1000 });
    const [archive] = await Promise.all([readAll(pack.stream), pack.done]);
    expect(readRawTar(archive).some((e) => e.name.includes(RESUME))).to.equal(false);
  });

  it('decides on a source whose top holds such names', async () => {
    const assemble: ScriptLocation = { name: 'assemble', origin: 'image', imagePath: '/usr/libexec/s2i/assemble' };
    const decision = await directWriteDecision({
      builderLabels: { 'io.openshift.s2i.scripts-url': 'image:///usr/libexec/s2i', 'io.tjs2i.builder.stack': 'minimal-notebook' },
      builderEnv: [],
      assemble,
      env: [],
      artifacts: false,
      destination: '/tmp',
      sourceDir: root,
      filter: noFilter,
    });
    expect(decision).to.deep.equal({ direct: true, home: '/home/jovyan' });
  });
});
