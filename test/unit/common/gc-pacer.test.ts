import { expect } from 'chai';
import { collectGarbage, createGarbagePacer, MAJOR_EVERY_BYTES, MAJOR_EVERY_ENTRIES, MINOR_EVERY_BYTES } from '../../../src/common/gc-pacer.js';

const MiB = 1024 * 1024;

describe('young-garbage', () => {
  describe('createGarbagePacer', () => {
    function pacer() {
      const calls: string[] = [];
      return { pacer: createGarbagePacer((type) => void calls.push(type)), calls };
    }

    it('a minor collection every 8 MiB of big-file chunks, none before', () => {
      const { pacer: p, calls } = pacer();
      for (let i = 0; i < 127; i++) p.streamed(64 * 1024);
      expect(calls).to.deep.equal([]);
      p.streamed(64 * 1024);
      expect(calls).to.deep.equal(['minor']);
      expect(MINOR_EVERY_BYTES).to.equal(8 * MiB);
    });

    it('a full collection in place of every 16th minor one (128 MiB), which restarts both counts', () => {
      const { pacer: p, calls } = pacer();
      for (let i = 0; i < MAJOR_EVERY_BYTES / MINOR_EVERY_BYTES; i++) p.streamed(MINOR_EVERY_BYTES);
      expect(calls).to.deep.equal([...Array<string>(15).fill('minor'), 'major']);
      p.streamed(MINOR_EVERY_BYTES - 1);
      expect(calls).to.have.length(16);
    });

    it('a full collection every 2,000 packed files, counted apart from bytes until one happens', () => {
      const { pacer: p, calls } = pacer();
      for (let i = 0; i < MAJOR_EVERY_ENTRIES - 1; i++) p.packed();
      p.streamed(MINOR_EVERY_BYTES);
      expect(calls).to.deep.equal(['minor']);
      p.packed();
      expect(calls).to.deep.equal(['minor', 'major']);
      for (let i = 0; i < MAJOR_EVERY_ENTRIES - 1; i++) p.packed();
      expect(calls).to.have.length(2);
    });
  });

  describe('collectGarbage', () => {
    it('a full collection frees what the old generation holds (V8 honours it in this runtime)', () => {
      // Objects kept long enough to be promoted, then dropped when the function returns.
      const before = (() => {
        const kept = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `x${i}` }));
        collectGarbage('minor');
        collectGarbage('minor');
        expect(kept.length).to.equal(300_000);
        return process.memoryUsage().heapUsed;
      })();
      collectGarbage('major');
      expect(before - process.memoryUsage().heapUsed, 'bytes freed').to.be.above(10 * MiB);
    });
  });
});
