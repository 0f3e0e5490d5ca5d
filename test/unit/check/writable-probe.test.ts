import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { homeLine, parseProbeOutput, PROBE_SCRIPT, treesLine, type PathProbe } from '../../../src/check/writable-probe.js';
import { tempDir } from '../../support/unit/helpers.js';

/** Runs the probe's script with this machine's /bin/sh, in an environment of its own. */
function runScript(env: NodeJS.ProcessEnv, trees: string[] = []): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('/bin/sh', ['-c', PROBE_SCRIPT, 'tjs2i-check', ...trees], { env }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
}

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const { dir, remove } = await tempDir();
  try {
    await run(dir);
  } finally {
    await remove();
  }
}

const probes = (...list: [PathProbe['kind'], string, PathProbe['result']][]) => ({ probes: list.map(([kind, path, result]) => ({ kind, path, result })) });

describe('check: the writable probe', () => {
  it("reads the shell's lines, and nothing when the shell did not get to its end", () => {
    expect(parseProbeOutput('home\t/home/a\twritable\nwork\t/home/a/work\tdenied\nnoise\nend\n')).to.deep.equal([
      { kind: 'home', path: '/home/a', result: 'writable' },
      { kind: 'work', path: '/home/a/work', result: 'denied' },
    ]);
    expect(parseProbeOutput('home\t/home/a\twritable\n')).to.equal(undefined);
    expect(parseProbeOutput('home\t\tunset\nend')).to.deep.equal([{ kind: 'home', path: '', result: 'unset' }]);
  });

  it('tries HOME, work/ in it, the conda prefix and the trees it is given; makes what is missing; says what is not a directory', async () => {
    await withTempDir(async (dir) => {
      const home = join(dir, 'home');
      await mkdir(join(home, 'work'), { recursive: true });
      await writeFile(join(dir, 'a-file'), '');
      const conda = join(dir, 'conda');
      await mkdir(conda);
      // No `jupyter` on this PATH: no runtime line.
      const out = await runScript({ HOME: home, CONDA_DIR: conda, PATH: '/usr/bin:/bin' }, [join(dir, 'a-file'), join(dir, 'absent')]);
      expect(parseProbeOutput(out)).to.deep.equal([
        { kind: 'home', path: home, result: 'writable' },
        { kind: 'work', path: join(home, 'work'), result: 'writable' },
        { kind: 'conda', path: conda, result: 'writable' },
        { kind: 'tree', path: join(dir, 'a-file'), result: 'not-a-directory' },
      ]);
    });
  });

  it('asks `jupyter --runtime-dir` and makes that directory as Jupyter would', async () => {
    await withTempDir(async (dir) => {
      const bin = join(dir, 'bin');
      await mkdir(bin);
      const runtime = join(dir, 'home', '.local', 'share', 'jupyter', 'runtime');
      await writeFile(join(bin, 'jupyter'), `#!/bin/sh\necho ${runtime}\n`);
      await chmod(join(bin, 'jupyter'), 0o755);
      const out = await runScript({ HOME: join(dir, 'home'), PATH: `${bin}:/usr/bin:/bin` });
      expect(parseProbeOutput(out)).to.deep.equal([
        { kind: 'home', path: join(dir, 'home'), result: 'created' },
        { kind: 'runtime', path: runtime, result: 'created' },
      ]);
    });
  });

  it('passes a writable HOME (or one it could make); fails one it cannot write, explaining HOME=/', () => {
    expect(homeLine(probes(['home', '/home/jovyan', 'writable']))).to.deep.include({ status: 'pass', found: 'HOME=/home/jovyan is writable' });
    expect(homeLine(probes(['home', '/home/jovyan', 'created'])).status).to.equal('pass');
    expect(homeLine(probes(['home', '/', 'denied']))).to.deep.include({
      status: 'fail',
      found: 'HOME=/ is not writable (the image sets no HOME, and the UID has no passwd entry)',
    });
    expect(homeLine(probes(['home', '/home/jovyan', 'denied'])).found).to.equal('HOME=/home/jovyan is not writable');
    expect(homeLine(probes(['home', '', 'unset'])).found).to.equal('HOME is not set');
  });

  it('leaves HOME to its own line, though a builder names it among its trees', () => {
    expect(
      treesLine(probes(['home', '/home/jovyan', 'writable'], ['tree', '/home/jovyan', 'writable'], ['work', '/home/jovyan/work', 'writable'])).found,
    ).to.equal('writable: /home/jovyan/work (work/)');
  });

  it('fails the trees line naming each tree that is not writable, once each', () => {
    const result = treesLine(
      probes(
        ['home', '/home/jovyan', 'writable'],
        ['work', '/home/jovyan/work', 'writable'],
        ['conda', '/opt/conda', 'denied'],
        ['tree', '/opt/conda', 'denied'],
      ),
    );
    expect(result).to.deep.include({ status: 'fail', found: 'not writable: /opt/conda (conda prefix)' });
    expect(result.advice).to.contain('tjs2i builder');
  });

  it('passes the trees line when all are writable, skips it when the image has none', () => {
    expect(
      treesLine(probes(['home', '/h', 'writable'], ['work', '/h/work', 'writable'], ['runtime', '/h/.local/share/jupyter/runtime', 'created'])),
    ).to.deep.include({
      status: 'pass',
      found: 'writable: /h/work (work/), /h/.local/share/jupyter/runtime (Jupyter runtime)',
    });
    expect(treesLine(probes(['home', '/h', 'writable'])).status).to.equal('skip');
  });

  it('warns, not determined, when the shell could not look (an image without /bin/sh)', () => {
    const facts = { undetermined: 'the image has no /bin/sh to look with' };
    expect(homeLine(facts)).to.deep.include({ status: 'warn', found: 'not determined: the image has no /bin/sh to look with' });
    expect(treesLine(facts).status).to.equal('warn');
  });
});
