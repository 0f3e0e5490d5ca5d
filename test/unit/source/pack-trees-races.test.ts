/**
 * packTrees on a tree that changes while it is packed: each change is made from the packer's test
 * hook, after the walk has seen the entry and before it opens it, so every test reaches the race.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packTrees, SourceReadError } from '../../../src/source/pack-trees.js';
import { parseTar, tempDir } from '../../support/unit/helpers.js';
import { FIFO_WRITER_AFTER_MS, readUntilError, swapForFifo, swapForSymlink, type FifoSwap } from '../../support/unit/tree-swaps.js';

const openFds = () => readdirSync('/proc/self/fd').length;

describe('packTrees: a tree that changes while it is packed', () => {
  let root: string;
  let remove: () => Promise<void>;
  let tree: string;
  let outside: string;
  const secret = randomBytes(24).toString('hex');

  beforeEach(async () => {
    ({ dir: root, remove } = await tempDir());
    tree = join(root, 'course');
    outside = join(root, 'outside');
    await mkdir(join(tree, 'lesson'), { recursive: true });
    await writeFile(join(tree, 'lesson', 'a.txt'), 'first\n');
    await writeFile(join(tree, 'lesson', 'intro.ipynb'), 'original\n');
    await writeFile(join(tree, 'notes.ipynb'), 'notes\n');
    // What a symlink swapped in would point at: a directory of the build host with the same names.
    await mkdir(outside);
    await writeFile(join(outside, 'a.txt'), `${secret}\n`);
    await writeFile(join(outside, 'intro.ipynb'), `${secret}\n`);
  });
  afterEach(() => remove());

  /** Packs the tree, calling `swap` for the entry at `at` (a path below the tree) just before it is opened. */
  async function packSwapping(at: string, swap: (path: string) => void) {
    let swapped = 0;
    const pack = packTrees({
      uid: 1000,
      gid: 0,
      trees: [{ dir: tree, prefix: 'src' }],
      beforeOpen: (path) => {
        if (path.toString() !== join(tree, at)) return;
        swapped++;
        swap(path.toString());
      },
    });
    const [{ data, error: streamError }, result] = await Promise.all([
      readUntilError(pack.stream),
      pack.done.then(
        (stats) => ({ stats, error: undefined }),
        (error: unknown) => ({ stats: undefined, error: error as Error }),
      ),
    ]);
    expect(swapped, 'the swap was made').to.equal(1);
    expect(streamError).to.equal(result.error);
    return { data, ...result };
  }

  it('a file swapped for a FIFO before it is opened: the pack ends at once, with an error naming the file', async function () {
    this.timeout(3 * FIFO_WRITER_AFTER_MS);
    let fifo: FifoSwap | undefined;
    const started = Date.now();
    try {
      const { error } = await packSwapping('notes.ipynb', (path) => (fifo = swapForFifo(path)));
      // A packer that waited for a writer would be freed only after FIFO_WRITER_AFTER_MS (swapForFifo).
      expect(Date.now() - started).to.be.below(FIFO_WRITER_AFTER_MS / 2);
      expect(error).to.be.instanceOf(SourceReadError);
      expect(error?.message).to.equal(`${join(tree, 'notes.ipynb')} changed while it was being packed (it is no longer a regular file); build again`);
    } finally {
      fifo?.stop();
    }
  });

  it('a directory swapped for a symlink before it is opened: an error naming it, and no byte of what the link points at', async () => {
    const { data, error } = await packSwapping('lesson', (path) => swapForSymlink(path, outside));
    expect(error).to.be.instanceOf(SourceReadError);
    expect(error?.message).to.equal(`${join(tree, 'lesson')} changed while it was being packed (it is now a symlink); build again`);
    expect(data.includes(secret)).to.equal(false);
  });

  it('a directory swapped for a symlink while its entries are packed: they come from the directory as it was opened', async () => {
    // The swap comes after lesson/ was opened and listed, before its first file is opened: the rest
    // of its entries must not be reached through the link (a path walk would follow it).
    const { data, error } = await packSwapping('lesson/a.txt', () => swapForSymlink(join(tree, 'lesson'), outside));
    expect(error).to.equal(undefined);
    expect(data.includes(secret)).to.equal(false);
    const entries = await parseTar(data);
    expect(entries.map((e) => [e.name, e.data.toString()])).to.deep.equal([
      ['src/', ''],
      ['src/lesson/', ''],
      ['src/lesson/a.txt', 'first\n'],
      ['src/lesson/intro.ipynb', 'original\n'],
      ['src/notes.ipynb', 'notes\n'],
    ]);
  });

  it('closes every directory it opened, whether the pack succeeds or fails', async () => {
    const before = openFds();
    await packSwapping('lesson/intro.ipynb', () => undefined);
    expect(openFds()).to.equal(before);
    await packSwapping('lesson', (path) => swapForSymlink(path, outside));
    expect(openFds()).to.equal(before);
  });
});
