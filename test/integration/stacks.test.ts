/**
 * `tjs2i builder <stack>` on stand-ins for the stacks beyond minimal-notebook (scipy, r,
 * datascience, pyspark, all-spark; see test/fixtures/standin): the stand-in cannot write its
 * stack's trees under a random UID with group 0; the builder made from it can, through a kernel of
 * the stack's language started over Jupyter's API (installing a Python module or an R package at
 * run time) and from a shell as that UID; and what one UID wrote, another UID of group 0 can change.
 * The stack's builder context (stacks/<stack>/, for `oc new-build`) built with the engine from the
 * same stand-in gives the same builder, which makes a course image that serves under a random UID.
 */
import { expect } from 'chai';
import { tjs2iTracked } from '../support/integration/engine-recorder.js';
import { builderFacts, contextFrom, engineBuild, expectSoundBuilder, serveCourse } from '../support/integration/builder-contexts.js';
import { docker, exec, imageExists, randomUid, STANDIN, tempDir, TEST_LABEL, tjs2i, uniqueName } from '../support/integration/helpers.js';
import { JupyterClient, runJupyter, tokenOf, waitForJupyter, type ExecuteResult } from '../support/integration/jupyter.js';

const standIn = (stack: string) => `tjs2i-fixture/${stack}:latest`;

/** An R package made from nothing and installed from source, as install.packages() does it. */
const installRPackage = (lib: string) => `
d <- file.path(tempdir(), "tjs2iprobe"); dir.create(file.path(d, "R"), recursive = TRUE)
writeLines(c("Package: tjs2iprobe", "Version: 0.1", "Title: Probe", "Description: A probe package.",
  "License: MIT", "Author: T", "Maintainer: T <t@example.org>"), file.path(d, "DESCRIPTION"))
writeLines("export(hello)", file.path(d, "NAMESPACE"))
writeLines("hello <- function() 'hello from tjs2iprobe'", file.path(d, "R", "hello.R"))
install.packages(d, repos = NULL, type = "source", lib = ${lib})
library(tjs2iprobe, lib.loc = ${lib})
cat("R", R.version$major, "\\n", hello(), "\\n", find.package("tjs2iprobe"), "\\n", sep = "")
`;

const pythonModule = `
import os, sysconfig
site = sysconfig.get_paths()["purelib"]
with open(os.path.join(site, "tjs2i_probe.py"), "w") as f:
    f.write("HELLO = 'hello from tjs2i_probe'\\n")
import tjs2i_probe
print(tjs2i_probe.HELLO)
print(os.path.join(site, "tjs2i_probe.py"))
`;

interface Case {
  stack: string;
  kernel: 'python3' | 'ir';
  /** Code run in the kernel: it writes into a fixed tree. */
  code: string;
  /** What the kernel must print (each a line of its stdout). */
  prints: (string | RegExp)[];
  /** What the kernel wrote, to check its group and mode and let another UID change it. */
  written: string;
  /** Trees a random UID of group 0 must be able to write into (as planned: symbolic links kept). */
  trees: string[];
  /** Lines the builder's build output must show. */
  buildSays?: string[];
}

const cases: Case[] = [
  {
    stack: 'scipy-notebook',
    kernel: 'python3',
    code: `import scipy, scipy.linalg\nprint("scipy", scipy.__version__, scipy.linalg.det([[2.0, 0.0], [0.0, 3.0]]))\n${pythonModule}`,
    prints: [/^scipy 1\.\d+\.\d+ 6\.0$/, 'hello from tjs2i_probe', '/opt/conda/lib/python3.11/site-packages/tjs2i_probe.py'],
    written: '/opt/conda/lib/python3.11/site-packages/tjs2i_probe.py',
    trees: ['/home/jovyan', '/opt/conda', '/opt/conda/lib/python3.11/site-packages/scipy'],
  },
  {
    stack: 'r-notebook',
    kernel: 'ir',
    code: installRPackage('.libPaths()[1]'),
    prints: ['R4', 'hello from tjs2iprobe', '/opt/conda/lib/R/library/tjs2iprobe'],
    written: '/opt/conda/lib/R/library/tjs2iprobe',
    trees: ['/home/jovyan', '/opt/conda', '/opt/conda/lib/R/library'],
  },
  {
    stack: 'datascience-notebook',
    kernel: 'ir',
    code: `${installRPackage('.libPaths()[1]')}\nwriteLines('name = "Probe"', "/opt/julia/environments/v1.10/Probe.toml")\ncat(Sys.getenv("JULIA_DEPOT_PATH"), "\\n")`,
    prints: ['R4', 'hello from tjs2iprobe', '/opt/conda/lib/R/library/tjs2iprobe', '/opt/julia'],
    written: '/opt/julia/environments/v1.10/Probe.toml',
    trees: ['/opt/conda/lib/R/library', '/opt/julia', '/opt/julia/packages', '/opt/julia/environments/v1.10'],
    buildSays: ['tjs2i: group 0 may write /opt/julia'],
  },
  {
    stack: 'pyspark-notebook',
    kernel: 'python3',
    code: [
      'import os',
      'conf = os.path.join(os.environ["SPARK_HOME"], "conf", "spark-defaults.conf")',
      'open(conf, "w").write("spark.driver.memory 2g\\n")',
      'print(os.path.realpath(conf))',
    ].join('\n'),
    prints: ['/usr/local/spark-3.5.0-bin-hadoop3/conf/spark-defaults.conf'],
    written: '/usr/local/spark/conf/spark-defaults.conf',
    trees: ['/opt/conda', '/usr/local/spark/conf'],
    buildSays: ['tjs2i: group 0 may write /usr/local/spark/conf (/usr/local/spark-3.5.0-bin-hadoop3/conf)'],
  },
  {
    stack: 'all-spark-notebook',
    kernel: 'ir',
    code: `${installRPackage('Sys.getenv("R_LIBS_USER")')}\nwriteLines("spark.driver.memory 2g", file.path(Sys.getenv("SPARK_HOME"), "conf", "spark-defaults.conf"))`,
    // find.package() gives the path with SPARK_HOME's symbolic link resolved.
    prints: ['R4', 'hello from tjs2iprobe', '/usr/local/spark-3.5.0-bin-hadoop3/R/lib/tjs2iprobe'],
    written: '/usr/local/spark/R/lib/tjs2iprobe',
    trees: ['/opt/conda/lib/R/library', '/usr/local/spark/R/lib', '/usr/local/spark/R/lib/SparkR', '/usr/local/spark/conf'],
    buildSays: [
      'tjs2i: group 0 may write /usr/local/spark/R/lib (/usr/local/spark-3.5.0-bin-hadoop3/R/lib)',
      'tjs2i: group 0 may write /usr/local/spark/conf (/usr/local/spark-3.5.0-bin-hadoop3/conf)',
    ],
  },
];

/** As the container's user (or `user`): make a directory and a file in each tree; one line per tree. */
async function writeInto(container: string, trees: string[], user?: string): Promise<string[]> {
  const script =
    'umask 0002; for d in "$@"; do p="$d/tjs2i-probe-$(id -u)"; ' +
    'if mkdir "$p" 2>/dev/null && echo x > "$p/file"; then echo "$d ok $(stat -c "%g %A" "$p" "$p/file" | tr "\\n" " ")"; ' +
    'else echo "$d denied"; fi; done';
  const out = await docker('exec', ...(user ? ['--user', user] : []), container, 'bash', '-c', script, 'probe', ...trees);
  return out.split('\n').map((l) => l.trim());
}

function expectPrinted(result: ExecuteResult, prints: (string | RegExp)[]) {
  const lines = result.stdout.split('\n').map((l) => l.trim());
  const context = JSON.stringify(result);
  expect(result.status, context).to.equal('ok');
  for (const line of prints) {
    if (typeof line === 'string') expect(lines, context).to.include(line);
    else
      expect(
        lines.some((l) => line.test(l)),
        `${line} in ${context}`,
      ).to.equal(true);
  }
}

describe('tjs2i builder for every stack (stand-ins, real engine)', function () {
  this.timeout(600_000);

  it('tjs2i stacks lists the six stacks with their upstream image, languages and trees (also as --json)', async () => {
    const table = await tjs2i(['stacks']);
    expect(table.code, table.stderr).to.equal(0);
    const rows = table.stdout.split('\n');
    expect(rows[0]).to.match(/^STACK +UPSTREAM IMAGE +LANGUAGES +TREES MADE WRITABLE FOR GROUP 0$/);
    expect(rows.find((r) => r.startsWith('datascience-notebook '))).to.match(/quay\.io\/jupyter\/datascience-notebook +python, r, julia +/);
    expect(table.stdout).to.contain('/opt/julia ($JULIA_DEPOT_PATH, $JULIA_PKGDIR)').and.contain('/usr/local/spark/R/lib ($R_LIBS_USER)');
    const json = await tjs2i(['stacks', '--json']);
    expect(json.code).to.equal(0);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; stacks: { name: string; upstream: string; trees: { path: string | null }[] }[] };
    expect(parsed.ok).to.equal(true);
    expect(parsed.stacks.map((s) => s.name)).to.deep.equal([
      'all-spark-notebook',
      'datascience-notebook',
      'minimal-notebook',
      'pyspark-notebook',
      'r-notebook',
      'scipy-notebook',
    ]);
    expect(parsed.stacks.find((s) => s.name === 'pyspark-notebook')?.trees.map((t) => t.path)).to.deep.equal([
      '/home/jovyan',
      '/opt/conda',
      '/usr/local/spark/conf',
    ]);
  });

  it('skips, with a line in the build output, a tree the base image does not have', async () => {
    const tag = uniqueName('ds-on-minimal');
    try {
      const result = await tjs2iTracked(['builder', 'datascience-notebook', '--from', STANDIN, '--tag', tag]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.contain('tjs2i: /opt/julia is not a directory in the base image: skipped');
      expect(result.stderr).to.contain('tjs2i: group 0 may write /opt/conda');
      expect(await result.leftoverContainers()).to.deep.equal([]);
    } finally {
      await exec('docker', ['rmi', '-f', tag]);
    }
  });

  for (const c of cases) {
    describe(c.stack, function () {
      const tag = uniqueName(c.stack.replace('-notebook', ''));
      const fromContext = uniqueName(`context-${c.stack.replace('-notebook', '')}`);
      let built: Awaited<ReturnType<typeof tjs2iTracked>> | undefined;

      before(async function () {
        if (!(await imageExists(standIn(c.stack)))) throw new Error(`fixture image ${standIn(c.stack)} is missing (run npm run fixtures)`);
        built = await tjs2iTracked(['builder', c.stack, '--from', standIn(c.stack), '--tag', tag, '--json']);
      });

      after(async () => {
        await exec('docker', ['rmi', '-f', tag, fromContext]);
      });

      it('the stand-in cannot write its trees under a random UID with group 0 (the problem exists)', async () => {
        const name = uniqueName(`${c.stack}-standin`);
        await docker('run', '-d', '--name', name, '--label', TEST_LABEL, '--user', `${randomUid()}:0`, '--entrypoint', 'sleep', standIn(c.stack), '300');
        try {
          expect(await writeInto(name, c.trees)).to.deep.equal(c.trees.map((t) => `${t} denied`));
        } finally {
          await exec('docker', ['rm', '-f', name]);
        }
      });

      it('tjs2i builder makes a builder from it and reports the trees it made writable', async () => {
        expect(built?.code, built?.stderr).to.equal(0);
        expect(await built!.leftoverContainers()).to.deep.equal([]);
        const result = JSON.parse(built!.stdout) as { ok: boolean; image: string; trees: { path: string }[] };
        expect(result.image).to.equal(tag);
        const planned = result.trees.map((t) => t.path);
        for (const tree of c.trees)
          expect(
            planned.some((p) => tree === p || tree.startsWith(`${p}/`)),
            `${tree} in ${planned.join(' ')}`,
          ).to.equal(true);
        for (const line of c.buildSays ?? []) expect(built!.stderr).to.contain(line);
      });

      it(`stacks/${c.stack}/ (oc new-build's context) FROM the stand-in builds with the engine into the same builder: config, labels, scripts, group-0 trees`, async () => {
        expect(built?.code, built?.stderr).to.equal(0);
        const dir = await tempDir('context');
        let output: string;
        try {
          await contextFrom(c.stack, standIn(c.stack), dir.path);
          output = await engineBuild(dir.path, fromContext);
        } finally {
          await dir.remove();
        }
        for (const line of c.buildSays ?? []) expect(output).to.contain(line);
        const planned = (JSON.parse(built!.stdout) as { trees: { path: string }[] }).trees.map((t) => t.path);
        const facts = await builderFacts(fromContext, planned);
        expectSoundBuilder(facts, planned);
        expect(facts).to.deep.equal(await builderFacts(tag, planned));
      });

      it('the builder built from the context makes a course image that serves under a random UID with group 0, which can write the trees', async () => {
        expect(await imageExists(fromContext), 'the context was built').to.equal(true);
        await serveCourse(fromContext, c.trees);
      });

      it(`under a random UID: a ${c.kernel} kernel started through the API writes into the stack's trees, as does a shell`, async () => {
        expect(built?.code, built?.stderr).to.equal(0);
        const uid = randomUid();
        const jupyter = await runJupyter(tag, { user: `${uid}:0` });
        try {
          await waitForJupyter(jupyter);
          const client = new JupyterClient(jupyter.base, await tokenOf(jupyter));
          const specs = (await (await client.request('GET', '/api/kernelspecs')).json()) as { kernelspecs: Record<string, unknown> };
          expect(Object.keys(specs.kernelspecs)).to.include(c.kernel);
          const kernel = await client.startKernel(c.kernel);
          expectPrinted(await client.execute(kernel, c.code, 120_000), c.prints);

          // What the kernel wrote: group 0 and group-writable, and another UID of group 0 may change it.
          expect(await jupyter.exec(`stat -c '%u %g %A' ${c.written}`)).to.match(new RegExp(`^${uid} 0 [d-]rw.rw.*`));
          const other = `${randomUid()}:0`;
          const change = c.written.endsWith('/tjs2iprobe') ? `touch ${c.written}/DESCRIPTION` : `echo '# changed' >> ${c.written}`;
          expect(await docker('exec', '--user', other, jupyter.id, 'bash', '-c', `${change} && echo changed`)).to.equal('changed');

          // A shell as the random UID, and as another one, in each tree.
          expect(await jupyter.exec('id -u')).to.equal(String(uid));
          for (const user of [undefined, other]) {
            const lines = await writeInto(jupyter.id, c.trees, user);
            expect(lines, lines.join('\n')).to.deep.equal(c.trees.map((t) => `${t} ok 0 drwxrwsr-x 0 -rw-rw-r--`));
          }
        } catch (error) {
          throw new Error(`${(error as Error).message}\n--- container log ---\n${await jupyter.logs()}`, { cause: error });
        } finally {
          await jupyter.stop();
        }
      });
    });
  }
});
