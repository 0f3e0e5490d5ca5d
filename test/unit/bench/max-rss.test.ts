import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PRELOAD = new URL('../../support/max-rss.js', import.meta.url).href;

describe('the max-rss preload (peak memory of the benchmark and of the memory test)', () => {
  it('reports the program’s own peak, not the memory of the process that spawned it', async function () {
    this.timeout(20_000);
    if (process.platform !== 'linux') this.skip();
    const dir = await mkdtemp(join(tmpdir(), 'tjs2i-unit-maxrss-'));
    try {
      // This process holds 300 MiB while it spawns: getrusage's ru_maxrss would count them for the child.
      const held = Buffer.alloc(300 * 1024 * 1024, 1);
      const file = join(dir, 'peak');
      const child = spawnSync(process.execPath, ['--import', PRELOAD, '-e', 'globalThis.kept = Buffer.alloc(64 * 1024 * 1024, 1)'], {
        env: { ...process.env, TJS2I_MAX_RSS_FILE: file },
      });
      expect(child.status, String(child.stderr)).to.equal(0);
      const peak = Number((await readFile(file, 'utf8')).trim());
      expect(held.length).to.be.greaterThan(0);
      expect(peak, 'the 64 MiB the child held').to.be.greaterThan(64 * 1024 * 1024);
      expect(peak, 'not the 300 MiB of the spawning process').to.be.lessThan(250 * 1024 * 1024);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
