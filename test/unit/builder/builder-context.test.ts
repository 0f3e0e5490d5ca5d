import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repositoryContexts, STACKS_DIR } from '../../../src/builder/builder-context.js';
import { STACKS } from '../../../src/builder/stacks.js';
import { offlineTjs2i } from '../../support/unit/offline-cli.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

const tjs2i = offlineTjs2i;

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? filesUnder(join(dir, e.name), `${prefix}${e.name}/`) : Promise.resolve([`${prefix}${e.name}`]))),
  );
  return nested.flat().sort();
}

describe('stacks/ in the repository: a builder context per stack (oc new-build --context-dir=stacks/<stack>)', () => {
  it('holds exactly the generated contexts, up to date, scripts executable (else run `npm run stacks`)', async () => {
    const contexts = await repositoryContexts();
    expect(contexts.map((c) => c.dir)).to.deep.equal(STACKS.map((s) => `${STACKS_DIR}/${s.name}`));
    const expected = contexts.flatMap(({ dir, files }) => files.map((f) => ({ ...f, path: `${dir}/${f.path}` })));
    const present = (await filesUnder(join(ROOT, STACKS_DIR))).map((f) => `${STACKS_DIR}/${f}`);
    expect(present, 'files in stacks/ differ from the generator: run `npm run stacks`').to.deep.equal(expected.map((f) => f.path).sort());
    for (const file of expected) {
      const committed = await readFile(join(ROOT, file.path), 'utf8');
      expect(committed === file.content, `${file.path} is out of date with the generator: run \`npm run stacks\``).to.equal(true);
      expect((await stat(join(ROOT, file.path))).mode & 0o111, `${file.path}'s execute bits`).to.equal(file.mode & 0o111);
    }
  });

  it("carries the package's own S2I scripts, byte for byte", async () => {
    for (const name of ['assemble', 'run', 'usage']) {
      const own = await readFile(join(ROOT, name), 'utf8');
      expect(await readFile(join(ROOT, STACKS_DIR, 'minimal-notebook', 's2i', name), 'utf8'), name).to.equal(own);
    }
  });
});

describe('tjs2i builder --as-dockerfile (the real CLI, no engine)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'tjs2i-unit-asdf-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes the context into a directory, replacing its generated files and leaving the others; says the defaults it used', async () => {
    const context = join(dir, 'ctx');
    await mkdir(join(context, 's2i'), { recursive: true });
    await writeFile(join(context, 'Dockerfile'), 'stale');
    await writeFile(join(context, 'README.md'), 'mine');
    await writeFile(join(context, 's2i', 'save-artifacts'), 'mine too');
    const result = await tjs2i(['builder', 'pyspark-notebook', '--as-dockerfile', context, '--from', 'registry.example.com/pyspark:1', '--json']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.include("no engine to read registry.example.com/pyspark:1's notebook user; NB_UID defaults to the upstream stacks' 1000");
    expect(JSON.parse(result.stdout)).to.deep.include({ ok: true, from: 'registry.example.com/pyspark:1', uid: 1000, inspected: false });
    expect(await filesUnder(context)).to.deep.equal(['Dockerfile', 'README.md', 's2i/assemble', 's2i/run', 's2i/save-artifacts', 's2i/usage']);
    expect(await readFile(join(context, 'README.md'), 'utf8')).to.equal('mine');
    expect(await readFile(join(context, 's2i', 'save-artifacts'), 'utf8')).to.equal('mine too');
    const dockerfile = await readFile(join(context, 'Dockerfile'), 'utf8');
    expect(dockerfile).to.include('\nFROM registry.example.com/pyspark:1\n');
    expect(dockerfile).to.include('"${SPARK_HOME:-/usr/local/spark}/conf"');
  });

  for (const [args, line] of [
    [['--tag', 'x'], 'error: --tag names the image tjs2i builds: with --as-dockerfile, give it to docker build -t instead (see tjs2i --help)'],
    [['--dockerfile'], 'error: --dockerfile builds through the engine: it cannot be used with --as-dockerfile (see tjs2i --help)'],
  ] as const) {
    it(`refuses ${args[0]} with it: one line, exit 2, nothing written`, async () => {
      const result = await tjs2i(['builder', 'minimal-notebook', '--as-dockerfile', join(dir, 'ctx'), ...args]);
      expect(result.code).to.equal(2);
      expect(result.stderr.trim().split('\n')).to.deep.equal([line]);
      expect(await readdir(dir)).to.deep.equal([]);
    });
  }

  it('refuses, before writing anything, a context whose s2i is a file or whose Dockerfile is a directory: one line, exit 2', async () => {
    const context = join(dir, 'ctx');
    await mkdir(context);
    await writeFile(join(context, 'Dockerfile'), 'stale');
    await writeFile(join(context, 's2i'), 'a file');
    const file = await tjs2i(['builder', 'minimal-notebook', '--as-dockerfile', context]);
    expect(file.code).to.equal(2);
    expect(file.stderr.trim().split('\n').pop()).to.equal(
      `error: ${join(context, 's2i')} is in the way: it is not a directory; remove it, or give another directory`,
    );
    expect(await readFile(join(context, 'Dockerfile'), 'utf8')).to.equal('stale');
    await rm(join(context, 's2i'));
    await rm(join(context, 'Dockerfile'));
    await mkdir(join(context, 'Dockerfile'));
    const directory = await tjs2i(['builder', 'minimal-notebook', '--as-dockerfile', context]);
    expect(directory.code).to.equal(2);
    expect(directory.stderr).to.include(`error: ${join(context, 'Dockerfile')} is in the way: it is not a regular file`);
    expect(await readdir(context)).to.deep.equal(['Dockerfile']);
  });

  it('refuses a path that is a file, and an unknown stack, with exit 2', async () => {
    await writeFile(join(dir, 'file'), 'x');
    const file = await tjs2i(['builder', 'minimal-notebook', '--as-dockerfile', join(dir, 'file')]);
    expect(file.code).to.equal(2);
    expect(file.stderr.trim().split('\n').pop()).to.equal(
      `error: ${join(dir, 'file')} is not a directory; give --as-dockerfile a directory (it is made when missing)`,
    );
    const stack = await tjs2i(['builder', 'tensorflow-notebook', '--as-dockerfile', join(dir, 'ctx')]);
    expect(stack.code).to.equal(2);
    expect(await readdir(dir)).to.deep.equal(['file']);
  });
});
