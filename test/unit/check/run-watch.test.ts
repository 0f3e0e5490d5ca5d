import { expect } from 'chai';
import { jupyterLine, stayUpLine, watchRun, type WatchOptions } from '../../../src/check/run-watch.js';
import { BuildFailedError, InterruptedError } from '../../../src/common/errors.js';
import { createLogger } from '../../../src/common/log.js';
import { FakeContainers } from '../../support/unit/fake-containers.js';
import { rejectionOf } from '../../support/unit/helpers.js';

const UID = 1000771234;

function harness(options: { answering?: boolean } = {}) {
  const containers = new FakeContainers();
  const logs: string[] = [];
  const probed: string[] = [];
  const watch = (jupyter: boolean, extra: WatchOptions = {}, signal?: AbortSignal) =>
    watchRun(containers, 'sha256:image', UID, jupyter, createLogger({ write: (t) => void logs.push(t) }), signal, {
      stayUpMs: 300,
      pollIntervalMs: 5,
      probe: async (url) => {
        probed.push(url);
        return options.answering === false ? undefined : 200;
      },
      ...extra,
    });
  return { containers, logs, probed, watch };
}

describe('check: the command under an arbitrary UID', () => {
  it('starts it as the UID with group 0, confined, named and labelled for the check; watches a Jupyter that answers the whole time; removes it', async () => {
    const h = harness();
    const facts = await h.watch(true);
    const spec = h.containers.servers[0]!;
    expect(spec).to.deep.include({ image: 'sha256:image', user: `${UID}:0`, restricted: true, containerPort: '8888/tcp', hostIp: '127.0.0.1' });
    expect(spec.name).to.match(/^tjs2i-check-[0-9a-f]{12}$/);
    expect(spec.labels).to.include({ 'io.tjs2i.check': '1' });
    expect(facts.answeredAfterMs).to.be.a('number');
    expect(facts.exited).to.equal(undefined);
    expect(facts.watchedMs).to.be.at.least(300);
    expect(h.probed[0]).to.equal('http://127.0.0.1:49153/api');
    expect(h.containers.methods()).to.include.members(['stopContainer', 'removeContainer']);
    expect(stayUpLine(facts, UID)).to.deep.include({ status: 'pass' });
    expect(stayUpLine(facts, UID).found).to.match(new RegExp(`^running after \\d+ ms as uid ${UID}, group 0$`));
    expect(jupyterLine(facts, '/opt/conda/bin/jupyter')).to.deep.include({ status: 'pass' });
  });

  it('watches an image that is not a Jupyter image for the whole time, without asking for Jupyter', async () => {
    const h = harness();
    const facts = await h.watch(false);
    expect(h.probed).to.deep.equal([]);
    expect(facts.watchedMs).to.be.at.least(300);
    expect(stayUpLine(facts, UID).status).to.equal('pass');
    expect(jupyterLine(facts, undefined)).to.deep.include({ status: 'skip', found: 'not a Jupyter image (no `jupyter` on its PATH)' });
  });

  it('fails a command that exits: its code, when, and its last words; Jupyter then never answered', async () => {
    const h = harness({ answering: false });
    h.containers.startContainerImpl = async () => {
      h.containers.emitServerOutput('Traceback (most recent call last):\n');
      h.containers.emitServerOutput("PermissionError: [Errno 13] Permission denied: '/.local'\n");
      setTimeout(() => h.containers.exitServer(1), 20);
    };
    const facts = await h.watch(true);
    expect(facts.exited?.code).to.equal(1);
    expect(facts.lastLines).to.deep.equal(['Traceback (most recent call last):', "PermissionError: [Errno 13] Permission denied: '/.local'"]);
    const result = stayUpLine(facts, UID);
    expect(result.status).to.equal('fail');
    expect(result.found).to.match(
      new RegExp(`^exited with code 1 after \\d+ ms as uid ${UID}, group 0: PermissionError: \\[Errno 13\\] Permission denied: '/\\.local'$`),
    );
    expect(result.log).to.have.length(2);
    expect(jupyterLine(facts, '/usr/bin/jupyter')).to.deep.include({ status: 'fail', found: 'never answered: the command did not stay up' });
    expect(h.containers.methods()).to.include('removeContainer');
  });

  it('fails a Jupyter that answers and then exits within the watch (the 20 s are watched whole)', async () => {
    const h = harness();
    h.containers.startContainerImpl = async () => {
      setTimeout(() => h.containers.exitServer(1), 120);
    };
    const facts = await h.watch(true);
    expect(facts.answeredAfterMs).to.be.a('number');
    expect(facts.exited?.code).to.equal(1);
    expect(stayUpLine(facts, UID).status).to.equal('fail');
  });

  it('fails a Jupyter that stays up but never answers', async () => {
    const h = harness({ answering: false });
    const facts = await h.watch(true);
    expect(facts.exited).to.equal(undefined);
    expect(stayUpLine(facts, UID).status).to.equal('pass');
    const result = jupyterLine(facts, '/usr/bin/jupyter');
    expect(result.status).to.equal('fail');
    expect(result.found).to.match(/^did not answer on port 8888 within \d+ ms$/);
  });

  it('fails a command the engine cannot start', async () => {
    const h = harness();
    h.containers.startContainerImpl = async () => {
      throw new BuildFailedError('start container c0ffee000000 failed: exec: "start.sh": permission denied');
    };
    const facts = await h.watch(true);
    expect(facts.startError).to.contain('permission denied');
    expect(stayUpLine(facts, UID)).to.deep.include({ status: 'fail' });
    expect(stayUpLine(facts, UID).found).to.contain(`did not start as uid ${UID}, group 0:`);
    expect(h.containers.methods()).to.include('removeContainer');
  });

  it('stops and removes the container when the user interrupts', async () => {
    const h = harness({ answering: false });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const error = await rejectionOf(h.watch(true, { stayUpMs: 10_000 }, controller.signal));
    expect(error).to.be.instanceOf(InterruptedError);
    expect(h.containers.methods()).to.include.members(['stopContainer', 'removeContainer']);
  });
});
