import { expect } from 'chai';
import { parsePathStat, type PathStat } from '../../../src/engine/path-stat.js';
import { realPath, resolveTrees } from '../../../src/builder/tree-resolve.js';
import { UsageError } from '../../../src/common/errors.js';

const dir = (name: string): PathStat => ({ name, size: 4096, type: 'directory', mode: 0o755, linkTarget: '' });
const link = (name: string, target: string): PathStat => ({ name, size: 10, type: 'symlink', mode: 0o777, linkTarget: target });
const file = (name: string): PathStat => ({ name, size: 1, type: 'file', mode: 0o644, linkTarget: '' });

/** A file system as the engine's stat sees it (links' targets given fully resolved, as the engine does). */
function fs(entries: Record<string, PathStat>) {
  const asked: string[] = [];
  const stat = async (path: string) => {
    asked.push(path);
    return entries[path];
  };
  return { stat, asked };
}

const image = fs({
  '/home': dir('home'),
  '/home/jovyan': dir('jovyan'),
  '/opt': dir('opt'),
  '/opt/conda': dir('conda'),
  '/opt/file': file('file'),
  '/opt/dangling': link('dangling', '/opt/nowhere'),
  '/opt/to-usr': link('to-usr', '/usr'),
  '/opt/loop': link('loop', '/opt/loop'),
  '/usr': dir('usr'),
  '/usr/local': dir('local'),
  '/usr/local/spark': link('spark', '/usr/local/spark-3.5.0'),
  '/usr/local/spark-3.5.0': dir('spark-3.5.0'),
  '/usr/local/spark-3.5.0/conf': dir('conf'),
});

describe('tree-resolve', () => {
  it('realPath follows a symbolic link in the middle of a path (SPARK_HOME)', async () => {
    const { real, stat } = await realPath('/usr/local/spark/conf', image.stat);
    expect(real).to.equal('/usr/local/spark-3.5.0/conf');
    expect(stat?.type).to.equal('directory');
  });

  it('realPath: missing, dangling, below a file, a loop', async () => {
    expect((await realPath('/opt/missing', image.stat)).stat).to.equal(undefined);
    expect(await realPath('/opt/dangling', image.stat)).to.deep.equal({ real: '/opt/nowhere', stat: undefined });
    expect((await realPath('/opt/file/x', image.stat)).stat).to.equal(undefined);
    expect((await realPath('/opt/loop', image.stat)).stat).to.equal(undefined);
  });

  it('resolveTrees says, as the Dockerfile path does, which trees group 0 may write and which are skipped', async () => {
    const trees = await resolveTrees(
      ['/home/jovyan', '/opt/conda', '/usr/local/spark/conf', '/opt/julia', '/opt/file', '/opt/dangling'].map((path) => ({ path, spec: '$X' })),
      image.stat,
      [],
    );
    expect(trees.map((t) => [t.outcome, t.real])).to.deep.equal([
      ['writable', '/home/jovyan'],
      ['writable', '/opt/conda'],
      ['writable', '/usr/local/spark-3.5.0/conf'],
      ['missing', '/opt/julia'],
      ['missing', '/opt/file'],
      ['missing', '/opt/nowhere'],
    ]);
    expect(trees.map((t) => t.message)).to.deep.equal([
      'tjs2i: group 0 may write /home/jovyan',
      'tjs2i: group 0 may write /opt/conda',
      'tjs2i: group 0 may write /usr/local/spark/conf (/usr/local/spark-3.5.0/conf)',
      'tjs2i: /opt/julia is not a directory in the base image: skipped',
      'tjs2i: /opt/file is not a directory in the base image: skipped',
      'tjs2i: /opt/dangling is not a directory in the base image: skipped',
    ]);
  });

  it('resolveTrees refuses a tree whose link leads into a system directory, naming the variable, the path and where it leads', async () => {
    const refusal = await resolveTrees([{ path: '/opt/to-usr', spec: '$SPARK_HOME/conf' }], image.stat, []).catch((error: unknown) => error);
    expect(refusal).to.be.instanceOf(UsageError);
    expect((refusal as UsageError).exitCode).to.equal(2);
    expect((refusal as UsageError).message).to.equal(
      'SPARK_HOME gives /opt/to-usr, which leads to /usr, inside the system directory /usr: a builder never makes system directories group-writable',
    );
    // A tree the stack table itself places there is made writable.
    const declared = await resolveTrees([{ path: '/opt/to-usr', spec: '$X' }], image.stat, ['/usr']);
    expect(declared.map((t) => t.outcome)).to.deep.equal(['writable']);
  });

  it('parsePathStat reads the engine header: Go file-mode type bits, permissions, link target', () => {
    const header = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64');
    expect(
      parsePathStat(header({ name: 'spark', size: 26, mode: 134218239, mtime: '2024-01-01T00:00:00Z', linkTarget: '/usr/local/spark-3.5.0' })),
    ).to.deep.equal({
      name: 'spark',
      size: 26,
      type: 'symlink',
      mode: 0o777,
      linkTarget: '/usr/local/spark-3.5.0',
      special: 0,
      mtime: 1704067200,
    });
    expect(parsePathStat(header({ name: 'conda', size: 4096, mode: 2147484141, linkTarget: '' }))?.type).to.equal('directory');
    expect(parsePathStat(header({ name: 'conda', size: 4096, mode: 2147484141 }))?.mode).to.equal(0o755);
    expect(parsePathStat(header({ name: 'su', size: 1, mode: 0o755 + 2 ** 23 }))).to.include({ type: 'file', mode: 0o755, special: 0o4000 });
    expect(parsePathStat(header({ name: 'wall', size: 1, mode: 0o755 + 2 ** 22, mtime: '2024-11-21T20:01:02.123456789Z' }))).to.include({
      special: 0o2000,
      mtime: 1732219262,
    });
    expect(parsePathStat(header({ name: 'tmp', size: 1, mode: 2 ** 31 + 2 ** 20 + 0o777 }))).to.include({ type: 'directory', special: 0o1000 });
    expect(parsePathStat(header({ name: 'null', size: 0, mode: 2 ** 26 + 2 ** 21 + 0o666 }))?.type).to.equal('other');
    expect(parsePathStat(undefined)).to.equal(undefined);
    expect(parsePathStat('not base64 json')).to.equal(undefined);
  });
});
