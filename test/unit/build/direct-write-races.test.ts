/**
 * The direct write on a source that changes while it is packed: each change is made from the
 * packer's test hook, after the walk has seen the entry and before it opens it.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packDirect } from '../../../src/build/direct-write.js';
import { SourceReadError } from '../../../src/source/pack-trees.js';
import { compileExclude, sourceFilter } from '../../../src/source/source-filter.js';
import { tempDir } from '../../support/unit/helpers.js';
import { FIFO_WRITER_AFTER_MS, readUntilError, swapForFifo, swapForSymlink, type FifoSwap } from '../../support/unit/tree-swaps.js';

const noFilter = sourceFilter(compileExclude(undefined), undefined);

describe('direct write: a source that changes while it is packed', () => {
  let root: string;
  let remove: () => Promise<void>;
  let source: string;
  let outside: string;
  const secret = randomBytes(24).toString('hex');

  beforeEach(async () => {
    ({ dir: root, remove } = await tempDir());
    source = join(root, 'course');
    outside = join(root, 'outside');
    await mkdir(join(source, 'lesson'), { recursive: true });
    await writeFile(join(source, 'lesson', 'intro.ipynb'), 'original\n');
    await writeFile(join(source, 'notes.ipynb'), 'notes\n');
    await mkdir(outside);
    await writeFile(join(outside, 'intro.ipynb'), `${secret}\n`);
  });
  afterEach(() => remove());

  /** Packs the source, calling `swap` for the entry at `at` (a path below the source) just before it is opened. */
  async function packSwapping(at: string, swap: (path: string) => void) {
    let swapped = 0;
    const pack = packDirect({
      sourceDir: source,
      filter: noFilter,
      uid: 1000,
      beforeOpen: (path) => {
        if (path.toString() !== join(source, at)) return;
        swapped++;
        swap(path.toString());
      },
    });
    const [{ data, error: streamError }, error] = await Promise.all([
      readUntilError(pack.stream),
      pack.done.then(
        () => undefined,
        (e: unknown) => e as Error,
      ),
    ]);
    expect(swapped, 'the swap was made').to.equal(1);
    expect(streamError).to.equal(error);
    return { data, error };
  }

  it('a file swapped for a FIFO before it is opened: the pack ends at once, with an error naming the file', async function () {
    this.timeout(3 * FIFO_WRITER_AFTER_MS);
    let fifo: FifoSwap | undefined;
    const started = Date.now();
    try {
      const { error } = await packSwapping('notes.ipynb', (path) => (fifo = swapForFifo(path)));
      expect(Date.now() - started).to.be.below(FIFO_WRITER_AFTER_MS / 2);
      expect(error).to.be.instanceOf(SourceReadError);
      expect(error?.message).to.equal(`${join(source, 'notes.ipynb')} changed while it was being packed (it is no longer a regular file); build again`);
    } finally {
      fifo?.stop();
    }
  });

  it('a directory swapped for a symlink before it is opened: an error naming it, and no byte of what the link points at', async () => {
    const { data, error } = await packSwapping('lesson', (path) => swapForSymlink(path, outside));
    expect(error).to.be.instanceOf(SourceReadError);
    expect(error?.message).to.equal(`${join(source, 'lesson')} changed while it was being packed (it is now a symlink); build again`);
    expect(data.includes(secret)).to.equal(false);
  });
});
