import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { refuseSystemTrees, systemDirectoryCase, systemDirectoryOf } from '../../../src/builder/system-trees.js';
import { declaredTrees, STACKS } from '../../../src/builder/stacks.js';
import { UsageError } from '../../../src/common/errors.js';

const SAMPLES = [
  '/',
  '/usr',
  '/usr/share/jupyter',
  '/usr/lib/R/site-library',
  '/usr/local',
  '/usr/local/bin',
  '/usr/local/lib/R/site-library',
  '/usr/local/libexec/x',
  '/usr/local/include',
  '/usr/local/spark',
  '/usr/local/spark-3.5.0/conf',
  '/usr/local/share/jupyter',
  '/usr/locale',
  '/etc',
  '/etc/jupyter',
  '/var/lib/jupyter',
  '/bin',
  '/lib64/x',
  '/library',
  '/sbin/x',
  '/boot',
  '/root',
  '/root/.local',
  '/run/user',
  '/opt/conda',
  '/opt/julia',
  '/home/jovyan',
  '/srv/course',
  '/etcetera',
  '/variable/x',
];

/** What the Dockerfile path's shell says about `path`: the same rule, where the files are. */
function shellRefuses(paths: readonly string[]): boolean[] {
  const script = `for p in "$@"; do r=ok; ${systemDirectoryCase('$p', 'r=refused')}; echo "$r"; done`;
  return execFileSync('sh', ['-c', script, 'sh', ...paths], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line === 'refused');
}

describe('system-trees: the directories a builder never makes group-writable', () => {
  it('names the system directory a path is in; /usr/local holds a site\u2019s own software except its bin, sbin, lib and include', () => {
    expect(Object.fromEntries(SAMPLES.map((path) => [path, systemDirectoryOf(path) ?? null]))).to.deep.equal({
      '/': '/',
      '/usr': '/usr',
      '/usr/share/jupyter': '/usr',
      '/usr/lib/R/site-library': '/usr',
      '/usr/local': '/usr/local',
      '/usr/local/bin': '/usr/local/bin',
      '/usr/local/lib/R/site-library': '/usr/local/lib',
      '/usr/local/libexec/x': '/usr/local/libexec',
      '/usr/local/include': '/usr/local/include',
      '/usr/local/spark': null,
      '/usr/local/spark-3.5.0/conf': null,
      '/usr/local/share/jupyter': null,
      '/usr/locale': '/usr',
      '/etc': '/etc',
      '/etc/jupyter': '/etc',
      '/var/lib/jupyter': '/var',
      '/bin': '/bin',
      '/lib64/x': '/lib64',
      '/library': null,
      '/sbin/x': '/sbin',
      '/boot': '/boot',
      '/root': '/root',
      '/root/.local': '/root',
      '/run/user': '/run',
      '/opt/conda': null,
      '/opt/julia': null,
      '/home/jovyan': null,
      '/srv/course': null,
      '/etcetera': null,
      '/variable/x': null,
    });
  });

  it("the Dockerfile path's shell case refuses exactly the paths systemDirectoryOf names (samples and random paths)", () => {
    expect(shellRefuses(SAMPLES)).to.deep.equal(SAMPLES.map((path) => systemDirectoryOf(path) !== undefined));
    const component = fc.constantFrom('usr', 'local', 'lib', 'lib64', 'bin', 'sbin', 'etc', 'var', 'opt', 'spark', 'include', 'libexec', 'share', 'x');
    const paths = fc.sample(
      fc.array(component, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
      { numRuns: 300, seed: 17 },
    );
    expect(shellRefuses(paths)).to.deep.equal(paths.map((path) => systemDirectoryOf(path) !== undefined));
  });

  it('refuses with exit 2, naming the variable and the path; the home is named as such', () => {
    const refusal = (trees: Parameters<typeof refuseSystemTrees>[0]) => {
      try {
        refuseSystemTrees(trees, []);
      } catch (error) {
        return error as UsageError;
      }
      return undefined;
    };
    const spark = refusal([{ path: '/usr/lib/spark/conf', spec: '$SPARK_HOME/conf' }]);
    expect(spark).to.be.instanceOf(UsageError);
    expect(spark?.exitCode).to.equal(2);
    expect(spark?.message).to.equal(
      'SPARK_HOME gives /usr/lib/spark/conf, inside the system directory /usr: a builder never makes system directories group-writable',
    );
    expect(spark?.hint).to.include('set SPARK_HOME in the base image');
    expect(refusal([{ path: '/root', spec: '$HOME' }])?.message).to.match(
      /^HOME \(the notebook user's home\) gives \/root, inside the system directory \/root:/,
    );
    expect(refusal([{ path: '/opt/conda', spec: '${CONDA_DIR}' }])).to.equal(undefined);
  });

  it("the stack table's own trees are outside the system directories, and only they are declared (never the home)", () => {
    for (const stack of STACKS) {
      const declared = declaredTrees(stack);
      expect(declared, stack.name).to.have.length.above(0);
      for (const path of declared) expect(path.startsWith('/home')).to.equal(false);
      expect(
        () =>
          refuseSystemTrees(
            declared.map((path) => ({ path, spec: '$X' })),
            [],
          ),
        stack.name,
      ).not.to.throw();
    }
    expect(declaredTrees(STACKS.find((s) => s.name === 'pyspark-notebook')!)).to.deep.equal(['/opt/conda', '/usr/local/spark/conf']);
  });
});
