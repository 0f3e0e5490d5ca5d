import { expect } from 'chai';
import { stderrFormat, timestampsFromArgv, timestampsFromEnv } from '../../../src/common/stderr-format.js';

describe('stderr-format', () => {
  it('a terminal gets raw output, anything else timestamped plain lines', () => {
    expect(stderrFormat(undefined, {}, true)).to.deep.equal({ terminal: true });
    expect(stderrFormat(undefined, {}, false)).to.deep.equal({ plain: { timestamps: true } });
  });

  it('TJS2I_TIMESTAMPS sets the default, the flag wins over it', () => {
    expect(stderrFormat(undefined, { TJS2I_TIMESTAMPS: '0' }, false)).to.deep.equal({ plain: { timestamps: false } });
    expect(stderrFormat(undefined, { TJS2I_TIMESTAMPS: '1' }, true)).to.deep.equal({ plain: { timestamps: true } });
    expect(stderrFormat(true, { TJS2I_TIMESTAMPS: '0' }, false)).to.deep.equal({ plain: { timestamps: true } });
    expect(stderrFormat(false, { TJS2I_TIMESTAMPS: '1' }, false)).to.deep.equal({ plain: { timestamps: false } });
    expect(stderrFormat(false, {}, true)).to.deep.equal({ terminal: true });
  });

  it('without timestamps, a pipe still gets plain lines (no control characters)', () => {
    expect(stderrFormat(false, {}, false)).to.deep.equal({ plain: { timestamps: false } });
  });

  it('reads TJS2I_TIMESTAMPS as a boolean; other values leave the default', () => {
    for (const v of ['1', 'true', 'YES', 'on']) expect(timestampsFromEnv(v), v).to.equal(true);
    for (const v of ['0', 'false', 'no', ' off ']) expect(timestampsFromEnv(v), v).to.equal(false);
    for (const v of [undefined, '', 'maybe']) expect(timestampsFromEnv(v), String(v)).to.equal(undefined);
  });

  it('finds the last timestamps flag of a raw command line, not after --', () => {
    expect(timestampsFromArgv(['build', 'a'])).to.equal(undefined);
    expect(timestampsFromArgv(['--timestamps', 'build', '--no-timestamps'])).to.equal(false);
    expect(timestampsFromArgv(['build', '--timestamps=true'])).to.equal(true);
    expect(timestampsFromArgv(['build', '--', '--timestamps'])).to.equal(undefined);
  });
});
