import { expect } from 'chai';
import { appendFile, mkdir, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkNotGrown, closeSourceFile, openSourceFile, readSmallSourceFile, SourceReadError, streamSourceFile } from '../../../src/source/source-file.js';
import { readAll, tempDir } from '../../support/unit/helpers.js';
import { FIFO_WRITER_AFTER_MS, swapForFifo } from '../../support/unit/tree-swaps.js';

describe('source-file', () => {
  let dir: { dir: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir('source-file');
  });
  afterEach(() => dir.remove());

  it('reads a small file whole, with the status of the open file', async () => {
    const path = join(dir.dir, 'a.ipynb');
    await writeFile(path, '{"cells": []}', { mode: 0o640 });
    const file = openSourceFile(path);
    try {
      expect(file.stat.size).to.equal(13);
      expect(file.stat.mode & 0o777).to.equal(0o640);
      expect(readSmallSourceFile(file).toString()).to.equal('{"cells": []}');
    } finally {
      closeSourceFile(file);
    }
  });

  it('reads an empty file as an empty buffer', async () => {
    const path = join(dir.dir, 'empty');
    await writeFile(path, '');
    const file = openSourceFile(path);
    expect(readSmallSourceFile(file).length).to.equal(0);
    closeSourceFile(file);
  });

  it('a big file that grew after it was opened: its stream stops at the size the status gave, and checkNotGrown names it', async () => {
    const path = join(dir.dir, 'big.bin');
    await writeFile(path, Buffer.alloc(100_000, 7));
    const file = openSourceFile(path);
    try {
      expect(() => checkNotGrown(file)).not.to.throw();
      await writeFile(path, Buffer.alloc(150_000, 7));
      const data = await readAll(streamSourceFile(file));
      expect(data.length).to.equal(100_000);
      expect(() => checkNotGrown(file)).to.throw(
        SourceReadError,
        `${path} changed while it was being packed (it grew past the 100000 bytes it had when opened); build again`,
      );
    } finally {
      closeSourceFile(file);
    }
  });

  it('a small file that grew after it was opened is a SourceReadError naming it', async () => {
    const path = join(dir.dir, 'grows.ipynb');
    await writeFile(path, 'x'.repeat(1000));
    const file = openSourceFile(path);
    await appendFile(path, 'more');
    try {
      expect(() => readSmallSourceFile(file)).to.throw(
        SourceReadError,
        `${path} changed while it was being packed (it grew past the 1000 bytes it had when opened); build again`,
      );
    } finally {
      closeSourceFile(file);
    }
  });

  it('opens a FIFO without waiting for a writer, and refuses it', async function () {
    this.timeout(3 * FIFO_WRITER_AFTER_MS);
    const path = join(dir.dir, 'pipe');
    await writeFile(path, '');
    const fifo = swapForFifo(path);
    const started = Date.now();
    try {
      expect(() => openSourceFile(path)).to.throw(SourceReadError, `cannot pack ${path}: not a regular file`);
      expect(Date.now() - started).to.be.below(FIFO_WRITER_AFTER_MS / 2);
    } finally {
      fifo.stop();
    }
  });

  it('a file that shrank after it was opened is a SourceReadError naming it', async () => {
    const path = join(dir.dir, 'shrinks.ipynb');
    await writeFile(path, 'x'.repeat(1000));
    const file = openSourceFile(path);
    await truncate(path, 10);
    try {
      expect(() => readSmallSourceFile(file)).to.throw(SourceReadError, `${path} changed while it was being packed (10 bytes read of 1000); build again`);
    } finally {
      closeSourceFile(file);
    }
  });

  it('refuses a symlink (never followed) and a directory, with one clear message', async () => {
    await writeFile(join(dir.dir, 'target'), 'secret');
    await symlink(join(dir.dir, 'target'), join(dir.dir, 'link'));
    await mkdir(join(dir.dir, 'sub'));
    expect(() => openSourceFile(join(dir.dir, 'link'))).to.throw(SourceReadError, 'it is a symlink');
    expect(() => openSourceFile(join(dir.dir, 'sub'))).to.throw(SourceReadError, 'not a regular file');
    expect(() => openSourceFile(join(dir.dir, 'missing'))).to.throw(SourceReadError, /^cannot read .*missing: ENOENT/);
  });
});
