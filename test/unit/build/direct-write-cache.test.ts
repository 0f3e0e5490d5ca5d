import { expect } from 'chai';
import { chmod, chown, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkCacheDir, fileCheckCache } from '../../../src/build/direct-write-cache.js';
import { tempDir } from '../../support/unit/helpers.js';

describe('check-cache', () => {
  describe('checkCacheDir', () => {
    it('TJS2I_CACHE_DIR, else an absolute XDG_CACHE_HOME, else ~/.cache; an empty TJS2I_CACHE_DIR turns it off', () => {
      expect(checkCacheDir({ TJS2I_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' }, '/home/a')).to.equal('/c/checks');
      expect(checkCacheDir({ TJS2I_CACHE_DIR: '' }, '/home/a')).to.equal(undefined);
      expect(checkCacheDir({ XDG_CACHE_HOME: '/x' }, '/home/a')).to.equal('/x/tjs2i/checks');
      expect(checkCacheDir({ XDG_CACHE_HOME: 'relative' }, '/home/a')).to.equal('/home/a/.cache/tjs2i/checks');
      expect(checkCacheDir({}, '/home/a')).to.equal('/home/a/.cache/tjs2i/checks');
    });
  });

  describe('fileCheckCache', () => {
    it('remembers a passed check by key, as one empty private file, and nothing else', async () => {
      const { dir, remove } = await tempDir();
      try {
        const cache = fileCheckCache(join(dir, 'checks'));
        expect(cache.passed('a\0b')).to.equal(false);
        cache.remember('a\0b');
        expect(cache.passed('a\0b')).to.equal(true);
        expect(cache.passed('a\0c')).to.equal(false);
        expect(fileCheckCache(join(dir, 'checks')).passed('a\0b'), 'another process sees it').to.equal(true);
        const files = await readdir(join(dir, 'checks'));
        expect(files).to.have.length(1);
        expect(files[0]).to.match(/^[0-9a-f]{64}$/);
        const st = await stat(join(dir, 'checks', files[0]!));
        expect(st.size).to.equal(0);
        expect(st.mode & 0o777).to.equal(0o600);
        expect((await stat(join(dir, 'checks'))).mode & 0o777).to.equal(0o700);
      } finally {
        await remove();
      }
    });

    it("only its own user's files count, in a directory no one else can write; never through a symlink", async () => {
      const { dir, remove } = await tempDir();
      try {
        const checks = join(dir, 'checks');
        const cache = fileCheckCache(checks);
        cache.remember('k');
        cache.remember('k');
        expect(cache.passed('k'), 'remembered twice').to.equal(true);
        const [name] = await readdir(checks);
        // A symlink planted where a pass would be: not a pass, and remembering does not write through it.
        await writeFile(join(dir, 'victim'), 'precious');
        const planted = fileCheckCache(join(dir, 'planted'));
        await mkdir(join(dir, 'planted'), { mode: 0o700 });
        await symlink(join(dir, 'victim'), join(dir, 'planted', name!));
        expect(planted.passed('k')).to.equal(false);
        planted.remember('k');
        expect(await readFile(join(dir, 'victim'), 'utf8')).to.equal('precious');
        // A directory others can write: nothing in it counts.
        await chmod(checks, 0o777);
        expect(cache.passed('k')).to.equal(false);
        await chmod(checks, 0o700);
        expect(cache.passed('k')).to.equal(true);
        if (process.getuid?.() === 0) {
          await chown(join(checks, name!), 12345, 0);
          expect(cache.passed('k'), 'a file of another user').to.equal(false);
        }
      } finally {
        await remove();
      }
    });

    it('a cache that cannot be written or read never fails: nothing is remembered', async () => {
      const { dir, remove } = await tempDir();
      try {
        // A file where the directory should be.
        await writeFile(join(dir, 'checks'), 'not a directory');
        const cache = fileCheckCache(join(dir, 'checks'));
        expect(() => cache.remember('k')).not.to.throw();
        expect(cache.passed('k')).to.equal(false);
        const off = fileCheckCache(undefined);
        off.remember('k');
        expect(off.passed('k')).to.equal(false);
        if (process.getuid?.() !== 0) {
          await mkdir(join(dir, 'locked'));
          await chmod(join(dir, 'locked'), 0o500);
          const locked = fileCheckCache(join(dir, 'locked', 'checks'));
          locked.remember('k');
          expect(locked.passed('k')).to.equal(false);
        }
      } finally {
        await remove();
      }
    });
  });
});
