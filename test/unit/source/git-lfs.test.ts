import { expect } from 'chai';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attributesUseLfs, isLfsPointer, lfsErrorDetail, listNames, pointerWarning, scanLfs } from '../../../src/source/git-lfs.js';
import { SourceReadError } from '../../../src/source/source-file.js';
import { rejectionOf } from '../../support/unit/helpers.js';
import { FIFO_WRITER_AFTER_MS, swapForFifo, swapForSymlink, type FifoSwap } from '../../support/unit/tree-swaps.js';

const OID = 'e3ac2a5b87d002fa441172191de626ee0c438276ae1491dc523d80f87ca75125';
const POINTER = `version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\nsize 3000\n`;

describe('git-lfs', () => {
  describe('isLfsPointer', () => {
    it('recognises a pointer file, as text or bytes', () => {
      expect(isLfsPointer(POINTER)).to.equal(true);
      expect(isLfsPointer(Buffer.from(POINTER))).to.equal(true);
      expect(isLfsPointer(`version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\nsize 3000`)).to.equal(true);
    });

    it('rejects other files: other first lines, no oid, no size, 1024 bytes or more, binary', () => {
      expect(isLfsPointer('')).to.equal(false);
      expect(isLfsPointer(`# version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\nsize 3\n`)).to.equal(false);
      expect(isLfsPointer('version https://git-lfs.github.com/spec/v1\nsize 3000\n')).to.equal(false);
      expect(isLfsPointer(`version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\n`)).to.equal(false);
      expect(isLfsPointer(`version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 1\n`)).to.equal(false);
      expect(isLfsPointer(`${POINTER}${'x'.repeat(1024)}`)).to.equal(false);
      expect(isLfsPointer(Buffer.from([0, 1, 2, 255]))).to.equal(false);
    });
  });

  describe('attributesUseLfs', () => {
    it('finds filter=lfs on an attribute line, not in comments or other filters', () => {
      expect(attributesUseLfs('*.bin filter=lfs diff=lfs merge=lfs -text\n')).to.equal(true);
      expect(attributesUseLfs('*.txt text\n\t*.psd  filter=lfs\n')).to.equal(true);
      expect(attributesUseLfs('# *.bin filter=lfs\n*.txt text\n')).to.equal(false);
      expect(attributesUseLfs('*.x filter=lfsx\n*.y filter=other\n')).to.equal(false);
      expect(attributesUseLfs('')).to.equal(false);
    });
  });

  describe('listNames and pointerWarning', () => {
    const names = Array.from({ length: 13 }, (_, i) => `f${i}`);

    it('lists up to 10 names, then "and N more"', () => {
      expect(listNames(['a', 'b'])).to.equal('a, b');
      expect(listNames(names.slice(0, 10))).to.equal(names.slice(0, 10).join(', '));
      expect(listNames(names)).to.equal(`${names.slice(0, 10).join(', ')} and 3 more`);
      expect(listNames(names, 2)).to.equal('f0, f1 and 11 more');
    });

    it('says why the pointers are left, in one line', () => {
      expect(pointerWarning(['a.bin'], 'no-git-lfs')).to.equal(
        'git-lfs is not installed: 1 file is left as a Git LFS pointer: a.bin (install git-lfs to build the real contents)',
      );
      expect(pointerWarning(['a.bin', 'b.bin'], 'on-disk')).to.equal(
        '2 files are Git LFS pointers, not their contents: a.bin, b.bin (run git lfs pull in the source to build the real contents)',
      );
      expect(pointerWarning(names, 'no-git-lfs')).not.to.contain('\n');
    });
  });

  describe('lfsErrorDetail', () => {
    it("keeps git-lfs's reason, not its advice about logs", () => {
      const output = [
        'Downloading LFS objects:   0% (0/1), 0 B | 0 B/s',
        '[e3ac2a] Object does not exist on the server: [404] Object does not exist on the server',
        "error: failed to fetch some objects from 'https://host/repo.git/info/lfs'",
        'Errors logged to /tmp/x/.git/lfs/logs/2024.log',
        'Use `git lfs logs last` to view the log.',
      ].join('\n');
      expect(lfsErrorDetail(output)).to.equal("failed to fetch some objects from 'https://host/repo.git/info/lfs'");
      expect(lfsErrorDetail('Could not pull\n\nErrors logged to /x.log\nUse `git lfs logs last` to view the log.\n')).to.equal('git lfs pull failed');
      expect(lfsErrorDetail('batch response: Authentication required\n')).to.equal('batch response: Authentication required');
    });
  });

  describe('scanLfs', () => {
    let dir: string;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'tjs2i-unit-lfs-'));
    });

    after(async () => rm(dir, { recursive: true, force: true }));

    it('finds pointers at any depth (submodules too) when some .gitattributes uses LFS, never under .git', async () => {
      const tree = join(dir, 'tree');
      await mkdir(join(tree, 'data', 'deep'), { recursive: true });
      await mkdir(join(tree, 'sub', '.git'), { recursive: true });
      await mkdir(join(tree, '.git', 'lfs'), { recursive: true });
      await writeFile(join(tree, 'sub', '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n');
      await writeFile(join(tree, 'data', 'deep', 'b.bin'), POINTER);
      await writeFile(join(tree, 'sub', 'a.bin'), POINTER);
      await writeFile(join(tree, 'sub', '.git', 'pointer'), POINTER);
      await writeFile(join(tree, '.git', 'lfs', 'pointer'), POINTER);
      await writeFile(join(tree, 'real.bin'), 'x'.repeat(5000));
      await writeFile(join(tree, 'notes.txt'), 'version https://git-lfs.github.com/spec/v1 is a URL\n');
      await symlink(join(tree, 'sub', 'a.bin'), join(tree, 'link.bin'));
      expect(await scanLfs(tree)).to.deep.equal({ usesLfs: true, pointers: ['data/deep/b.bin', 'sub/a.bin'] });
    });

    it('scans names that are not UTF-8 (Latin-1 "résumé/cé.bin"), naming their pointers with the odd bytes escaped', async () => {
      const tree = join(dir, 'latin1');
      const resume = Buffer.from([0x72, 0xe9, 0x73, 0x75, 0x6d, 0xe9]);
      await mkdir(Buffer.concat([Buffer.from(`${tree}/`), resume]), { recursive: true });
      await writeFile(join(tree, '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n');
      await writeFile(Buffer.concat([Buffer.from(`${tree}/`), resume, Buffer.from('/c'), Buffer.from([0xe9]), Buffer.from('.bin')]), POINTER);
      expect(await scanLfs(tree)).to.deep.equal({ usesLfs: true, pointers: ['r\\xe9sum\\xe9/c\\xe9.bin'] });
    });

    it('does not look for pointers when no .gitattributes uses LFS', async () => {
      const tree = join(dir, 'plain');
      await mkdir(tree);
      await writeFile(join(tree, '.gitattributes'), '*.ipynb diff=jupyter\n');
      await writeFile(join(tree, 'a.bin'), POINTER);
      expect(await scanLfs(tree)).to.deep.equal({ usesLfs: false, pointers: [] });
    });

    describe('a tree that changes while it is scanned (each change made from the test hook, just before the entry is opened)', () => {
      let tree: string;
      let outside: string;

      beforeEach(async () => {
        tree = await mkdtemp(join(dir, 'changing-'));
        outside = await mkdtemp(join(dir, 'outside-'));
        await mkdir(join(tree, 'data'));
        await writeFile(join(tree, '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n');
        await writeFile(join(tree, 'data', 'a.bin'), POINTER);
        await writeFile(join(outside, 'a.bin'), POINTER);
        await writeFile(join(outside, 'host-secret.bin'), POINTER);
      });

      it('a pointer swapped for a FIFO: the scan ends at once, with an error naming the file', async function () {
        this.timeout(3 * FIFO_WRITER_AFTER_MS);
        let fifo: FifoSwap | undefined;
        let seen = 0;
        const started = Date.now();
        try {
          const error = await rejectionOf(
            scanLfs(tree, {
              // The second walk is the one that opens the files to read the pointers.
              beforeOpen: (path) => {
                if (path.toString() === join(tree, 'data', 'a.bin') && ++seen === 2) fifo = swapForFifo(path.toString());
              },
            }),
          );
          expect(fifo, 'the swap was made').not.to.equal(undefined);
          expect(Date.now() - started).to.be.below(FIFO_WRITER_AFTER_MS / 2);
          expect(error).to.be.instanceOf(SourceReadError);
          expect((error as Error).message).to.equal(
            `${join(tree, 'data', 'a.bin')} changed while it was being packed (it is no longer a regular file); build again`,
          );
        } finally {
          fifo?.stop();
        }
      });

      it('a directory swapped for a symlink: an error naming it, and no pointer named from what the link points at', async () => {
        let swapped = 0;
        const scanning = scanLfs(tree, {
          beforeOpen: (path) => {
            if (path.toString() === join(tree, 'data') && swapped++ === 0) swapForSymlink(path.toString(), outside);
          },
        });
        const error = await rejectionOf(scanning);
        expect(swapped).to.equal(1);
        expect(error).to.be.instanceOf(SourceReadError);
        expect((error as Error).message).to.equal(`${join(tree, 'data')} changed while it was being packed (it is now a symlink); build again`);
      });
    });
  });
});
