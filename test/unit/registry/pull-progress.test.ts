import { expect } from 'chai';
import type { ProgressEvent } from '../../../src/engine/progress-stream.js';
import { createPullProgress } from '../../../src/registry/pull-progress.js';

/** The events of a two-layer pull, as Docker 20.10 sends them. */
function pullEvents(): ProgressEvent[] {
  return [
    { status: 'Pulling from x/builder', id: '1' },
    { status: 'Pulling fs layer', id: 'aaa' },
    { status: 'Pulling fs layer', id: 'bbb' },
    { status: 'Downloading', id: 'aaa', progressDetail: { current: 500_000, total: 1_000_000 } },
    { status: 'Downloading', id: 'bbb', progressDetail: { current: 1_000_000, total: 3_000_000 } },
    { status: 'Download complete', id: 'aaa' },
    { status: 'Extracting', id: 'aaa', progressDetail: { current: 1_000_000, total: 1_000_000 } },
    { status: 'Pull complete', id: 'aaa' },
    { status: 'Downloading', id: 'bbb', progressDetail: { current: 3_000_000, total: 3_000_000 } },
    { status: 'Pull complete', id: 'bbb' },
    { status: 'Digest: sha256:0123abcd' },
    { status: 'Status: Downloaded newer image for r/x/builder:1' },
  ];
}

describe('pull-progress', () => {
  it('without a terminal, prints at most one summary line per interval, then nothing but the digest', () => {
    let clock = 0;
    const out: string[] = [];
    const progress = createPullProgress('r/x/builder:1', { write: (t) => out.push(t), tty: false, now: () => clock, intervalMs: 5000 });
    for (const event of pullEvents()) {
      clock += 1000; // one event a second: 12 events in 12 s
      progress.onEvent(event);
    }
    expect(progress.finish()).to.equal('sha256:0123abcd');
    // Events at 5 s and 10 s print; the rest fall inside an interval.
    expect(out).to.deep.equal(['    pulling r/x/builder:1: 0/2 layers, 1.5 MB of 4.0 MB\n', '    pulling r/x/builder:1: 2/2 layers, 4.0 MB of 4.0 MB\n']);
  });

  it('prints nothing for a quick pull without a terminal', () => {
    const out: string[] = [];
    const progress = createPullProgress('r/x:1', { write: (t) => out.push(t), tty: false, now: () => 0 });
    for (const event of pullEvents()) progress.onEvent(event);
    expect(progress.finish()).to.equal('sha256:0123abcd');
    expect(out).to.deep.equal([]);
  });

  it('on a terminal, rewrites one line in place and clears it at the end', () => {
    let clock = 0;
    const out: string[] = [];
    const progress = createPullProgress('r/x:1', { write: (t) => out.push(t), tty: true, now: () => clock });
    for (const event of pullEvents()) {
      clock += 1000;
      progress.onEvent(event);
    }
    progress.finish();
    expect(out.length).to.be.greaterThan(1);
    expect(out.every((t) => t.startsWith('\r\x1b[K') && !t.includes('\n'))).to.equal(true);
    expect(out.at(-1)).to.equal('\r\x1b[K');
    expect(out.at(-2)).to.equal('\r\x1b[K    pulling r/x:1: 2/2 layers, 4.0 MB of 4.0 MB');
  });

  it('counts layers that already exist as done', () => {
    let clock = 0;
    const out: string[] = [];
    const progress = createPullProgress('r/x:1', { write: (t) => out.push(t), tty: false, now: () => (clock += 10_000) });
    progress.onEvent({ status: 'Already exists', id: 'aaa' });
    progress.onEvent({ status: 'Pulling fs layer', id: 'bbb' });
    expect(out).to.deep.equal(['    pulling r/x:1: 1/1 layers\n', '    pulling r/x:1: 1/2 layers\n']);
    expect(progress.finish()).to.equal(undefined);
  });
});
