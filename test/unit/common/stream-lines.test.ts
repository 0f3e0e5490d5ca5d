import { expect } from 'chai';
import { StreamLines } from '../../../src/common/stream-lines.js';

describe('StreamLines', () => {
  it('completes lines per stream, so a line of one stream is never glued to the other', () => {
    const lines = new StreamLines();
    expect(lines.push('half of out', 'stdout')).to.deep.equal([]);
    expect(lines.push('err\n', 'stderr')).to.deep.equal(['err']);
    expect(lines.push(' and the rest\nnext', 'stdout')).to.deep.equal(['half of out and the rest']);
    expect(lines.partialLines()).to.deep.equal(['next']);
  });

  it('a UTF-8 character cut between two chunks of a stream comes out whole', () => {
    const lines = new StreamLines();
    const bytes = Buffer.from('café\n');
    expect(lines.push(bytes.subarray(0, 4))).to.deep.equal([]);
    expect(lines.push(bytes.subarray(4))).to.deep.equal(['café']);
  });

  it('keeps only the last 4 KiB of a partial line longer than 64 KiB', () => {
    const lines = new StreamLines();
    lines.push('x'.repeat(70 * 1024) + 'END');
    const [partial] = lines.partialLines();
    expect(partial).to.have.length(4096);
    expect(partial!.endsWith('END')).to.equal(true);
  });
});
