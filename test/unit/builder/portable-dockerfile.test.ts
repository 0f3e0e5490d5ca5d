import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { portableBuilderDockerfile, shellWordOf, treeCleaning, treeFunctions, treeListing } from '../../../src/builder/portable-dockerfile.js';
import { findStack, planTrees, STACKS, type Stack } from '../../../src/builder/stacks.js';
import { builderDockerfile } from '../../../src/builder/shim-dockerfile.js';
import { passwdRules, treeRules } from '../../../src/builder/shim-rules.js';

const HOME = '/home/jovyan';

/** The paths the Dockerfile's shell would work on, for a base image with `env`. */
function shellTrees(stack: Stack, env: Record<string, string>): string[] {
  const script = [
    `seen=''`,
    ...treeFunctions(),
    `${treeListing(stack)} | while read -r d; do`,
    ...treeCleaning().map((l) => `${l};`),
    'echo "tree:$d"; done',
  ].join('\n');
  const out = execFileSync('sh', ['-c', script], { env: { PATH: process.env.PATH, HOME, ...env }, encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.startsWith('tree:'))
    .map((line) => line.slice(5));
}

const VARIABLES = ['CONDA_DIR', 'SPARK_HOME', 'R_LIBS_USER', 'JULIA_DEPOT_PATH', 'JULIA_PKGDIR'];

describe('portable-dockerfile: the builder Dockerfile without an engine (--as-dockerfile)', () => {
  it('renders tree templates as shell words with the stack defaults; a variable without one empties the word when unset', () => {
    const allSpark = findStack('all-spark-notebook')!;
    expect(shellWordOf('$SPARK_HOME/conf', allSpark)).to.equal('${SPARK_HOME:-/usr/local/spark}/conf');
    expect(shellWordOf('$R_LIBS_USER', allSpark)).to.equal('${R_LIBS_USER:-${SPARK_HOME:-/usr/local/spark}/R/lib}');
    expect(shellWordOf('$R_LIBS_USER', findStack('r-notebook')!)).to.equal('${R_LIBS_USER:+${R_LIBS_USER}}');
    expect(shellWordOf('$HOME', allSpark)).to.equal('${HOME}');
  });

  it('finds, in the shell, the same trees as planTrees for the upstream defaults (every stack)', () => {
    for (const stack of STACKS) {
      expect(shellTrees(stack, {}), stack.name).to.deep.equal(planTrees(stack, { env: [], home: HOME }).map((t) => t.path));
    }
  });

  it('finds, in the shell, the same trees as planTrees for any ENV of the base image (lists, ~, R specifiers, odd values)', function () {
    this.timeout(30_000); // a shell per run
    const piece = fc.constantFrom(
      '/',
      'opt',
      'conda',
      'usr',
      'local',
      'spark',
      '~',
      '~/',
      '%v',
      '%p-library',
      ':',
      '..',
      '.',
      'a b',
      '//',
      'x',
      '',
      ' ',
      '\t',
      '\n',
    );
    const value = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(''));
    const env = fc.dictionary(fc.constantFrom(...VARIABLES), value);
    fc.assert(
      fc.property(fc.constantFrom(...STACKS), env, (stack, vars) => {
        const planned = planTrees(stack, { env: Object.entries(vars).map(([k, v]) => `${k}=${v}`), home: HOME }).map((t) => t.path);
        // The shell does not normalise `.`, `..` or `//` (readlink -f does, before anything is changed, and `/..`
        // is then refused as the root where planTrees leaves `/` out).
        const shell = [...new Set(shellTrees(stack, vars).map((path) => posix.normalize(path)))].filter((path) => path !== '/');
        expect(shell).to.deep.equal(planned);
      }),
      { numRuns: 80, seed: 18 },
    );
  });

  it('shares its tree, passwd and set-id rules with the --dockerfile path, line for line', () => {
    const portable = portableBuilderDockerfile(findStack('pyspark-notebook')!);
    const engine = builderDockerfile({ from: 'x', uid: 1000, home: HOME, trees: ['/opt/conda'] });
    for (const rule of [...treeRules(), ...passwdRules()]) {
      expect(portable, rule).to.include(rule);
      expect(engine, rule).to.include(rule);
    }
  });

  it('builds FROM a literal image (oc new-build reads it unexpanded), takes the UID and the home as build arguments, USER numeric, CMD run', () => {
    const text = portableBuilderDockerfile(findStack('minimal-notebook')!, { base: 'registry.example.com/jupyter/minimal:2024', uid: 1001, home: '/srv/nb' });
    const lines = text.split('\n');
    expect(lines.filter((l) => !l.startsWith('#')).slice(0, 3)).to.deep.equal([
      'FROM registry.example.com/jupyter/minimal:2024',
      'ARG NB_UID=1001',
      'ARG NB_HOME=/srv/nb',
    ]);
    expect(lines).to.include('ENV HOME=${NB_HOME:-/home/${NB_USER:-jovyan}}');
    expect(lines.filter((l) => l.startsWith('USER '))).to.deep.equal(['USER root', 'USER ${NB_UID}']);
    expect(lines.filter(Boolean).pop()).to.equal('CMD ["/usr/libexec/s2i/run"]');
    expect(lines).to.include(
      'LABEL io.k8s.description="S2I builder for Jupyter notebooks (minimal-notebook), made by tjs2i; runs under any UID with group 0."',
    );
    expect(lines).to.include('LABEL io.openshift.s2i.scripts-url="image:///usr/libexec/s2i"');
    expect(text).not.to.include('io.tjs2i.builder.base');
    expect(text).not.to.include('io.tjs2i.builder.writable-trees');
  });

  it("its RUN refuses a UID that is not numeric or is root, and a home other than the passwd entry's (run in sh against a fake passwd)", () => {
    const text = portableBuilderDockerfile(findStack('minimal-notebook')!);
    const run = text.slice(text.indexOf('RUN set -eu; \\\n') + 4, text.indexOf('\nLABEL')).replace(/ \\\n/g, '\n');
    // Only the checks before the tree loop: they read /etc/passwd, which the test points at its own file.
    const checks = run.split('\n').slice(0, 4).join('\n').replace('/etc/passwd', '"$PASSWD"');
    const dir = mkdtempSync(join(tmpdir(), 'tjs2i-unit-passwd-'));
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, 'root:x:0:0::/root:/bin/sh\njovyan:x:1000:100::/home/jovyan:/bin/bash\n');
    const attempt = (env: Record<string, string>) => {
      try {
        execFileSync('sh', ['-c', checks], { env: { PATH: process.env.PATH, PASSWD: passwd, ...env }, encoding: 'utf8', stdio: 'pipe' });
        return 'ok';
      } catch (error) {
        return String((error as { stderr: string }).stderr).trim();
      }
    };
    expect(attempt({ NB_UID: '1000', HOME: '/home/jovyan' })).to.equal('ok');
    expect(attempt({ NB_UID: '4242', HOME: '/home/jovyan' })).to.equal('ok');
    expect(attempt({ NB_UID: '0', HOME: '/root' })).to.equal("tjs2i: NB_UID must be the notebook user's numeric UID, not root: NB_UID=0");
    expect(attempt({ NB_UID: 'jovyan', HOME: '/home/jovyan' })).to.match(/^tjs2i: NB_UID must be/);
    // Docker reads USER 00 as root.
    expect(attempt({ NB_UID: '00', HOME: '/root' })).to.equal("tjs2i: NB_UID must be the notebook user's numeric UID, not root: NB_UID=00");
    expect(attempt({ NB_UID: '01000', HOME: '/home/jovyan' })).to.match(/^tjs2i: NB_UID must be/);
    expect(attempt({ NB_UID: '1000', HOME: '/srv/x' })).to.equal(
      'tjs2i: the notebook user (UID 1000) has the home /home/jovyan in /etc/passwd, not /srv/x: build with --build-arg NB_HOME=/home/jovyan',
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('never writes a UID or a home into the Dockerfile that could change it', () => {
    const stack = findStack('minimal-notebook')!;
    expect(() => portableBuilderDockerfile(stack, { uid: 0 })).to.throw('not a notebook user');
    expect(() => portableBuilderDockerfile(stack, { home: '/home/a b\nRUN x' })).to.throw('not a plain absolute path');
  });
});
