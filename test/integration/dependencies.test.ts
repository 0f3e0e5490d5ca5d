/**
 * Dependencies declared as for Binder (repo2docker's files in binder/, .binder/ or the root),
 * installed by `assemble` offline from a wheel the course ships, then used from a kernel started
 * through Jupyter's API; and the clear failures for what an S2I build cannot do.
 */
import { expect } from 'chai';
import { docker, imageExists, randomUid, tempDir, tjs2i, uniqueName } from '../support/integration/helpers.js';
import { familyBuilder, forEachFamily } from '../support/integration/families.js';
import { tjs2iTracked } from '../support/integration/engine-recorder.js';
import { notebook, pureWheel, script, writeTree, type TreeEntry } from '../support/integration/course-fixtures.js';
import { JupyterClient, runJupyter, tokenOf, waitForJupyter } from '../support/integration/jupyter.js';

const wheel = pureWheel('tjs2i_course_pkg', '0.1', 'GREETING = "hello from the course wheel"\n');

/** A course with Binder files, asking for the builder's Python (major.minor) in runtime.txt. */
const courseFor = (python: string): Record<string, TreeEntry> => ({
  '01-intro.ipynb': notebook('Introduction'),
  'binder/requirements.txt': `--no-index\n./${wheel.filename}\n`,
  [`binder/${wheel.filename}`]: wheel.data,
  'binder/runtime.txt': `python-${python}\n`,
  // Not executable on purpose: assemble makes it so. It runs after the installs, from the course directory.
  'binder/postBuild': { content: '#!/bin/bash\nset -e\npython -c "import tjs2i_course_pkg as p; print(p.GREETING)" > made-by-postbuild.txt\n', mode: 0o644 },
  'binder/start': script('#!/bin/bash\nexport COURSE_STARTED_BY=binder-start\necho "start ran as $(id -u)" > /tmp/start-ran\nexec "$@"\n'),
  // At the root, ignored because binder/ exists (as repo2docker does): installing it would fail.
  'requirements.txt': 'this-package-does-not-exist==1.0\n',
});

describe('assemble: dependencies from Binder files (real engine, real Jupyter)', function () {
  this.timeout(300_000);
  forEachFamily((family) => {
    const COURSE = courseFor(family.python);
    let builder: string;
    const dirs: { remove(): Promise<void> }[] = [];
    const images: string[] = [];

    /** A course directory on disk, built with --copy (no git needed). */
    async function course(files: Record<string, TreeEntry>): Promise<string> {
      const dir = await tempDir('deps');
      dirs.push(dir);
      await writeTree(dir.path, files);
      return dir.path;
    }

    before(async () => {
      builder = await familyBuilder(family);
    });

    after(async () => {
      for (const dir of dirs) await dir.remove();
      for (const image of images) await docker('rmi', '-f', image).catch(() => undefined);
    });

    describe('a course with binder/requirements.txt (a local wheel), runtime.txt, postBuild and start', () => {
      let output: string;
      let stderr: string;

      before(async () => {
        output = uniqueName('deps');
        images.push(output);
        const result = await tjs2i(['build', await course(COURSE), builder, output, '--copy']);
        expect(result.code, result.stderr).to.equal(0);
        stderr = result.stderr;
      });

      it('says what it installs and runs, from binder/ only', () => {
        expect(stderr).to.contain(`---> binder/runtime.txt: python-${family.python} matches the builder's Python ${family.python}`);
        expect(stderr).to.contain('---> Installing binder/requirements.txt with /opt/conda/bin/python -m pip');
        expect(stderr).to.match(/Successfully installed tjs2i[-_]course[-_]pkg-0\.1/);
        expect(stderr).to.contain('---> Running binder/postBuild');
        expect(stderr).to.not.contain('this-package-does-not-exist');
      });

      it("leaves the installed files group 0 and group-writable, and postBuild's output in work/", async () => {
        const out = await docker(
          'run',
          '--rm',
          '--label',
          'io.tjs2i.test=1',
          '--entrypoint',
          'bash',
          output,
          '-c',
          'site=$(/opt/conda/bin/python -c "import sysconfig; print(sysconfig.get_paths()[\'purelib\'])"); ' +
            'echo "files=$(find "$site"/tjs2i_course_pkg* -type f | wc -l) notgroup0=$(find "$site"/tjs2i_course_pkg* ! -gid 0 | wc -l) ' +
            'notgroupw=$(find "$site"/tjs2i_course_pkg* ! -perm -g+rw | wc -l) dirsnotsetgid=$(find "$site"/tjs2i_course_pkg* -type d ! -perm -g+s | wc -l) ' +
            'opt_notgroup0=$(find /opt/conda /home/jovyan ! -gid 0 | wc -l) opt_notgroupw=$(find /opt/conda /home/jovyan ! -type l ! -perm -g+rw | wc -l)"; ' +
            'cat /home/jovyan/work/made-by-postbuild.txt; stat -c "%g %A" /home/jovyan/work/made-by-postbuild.txt /home/jovyan/.tjs2i/start',
        );
        const [counts, made, ...modes] = out.split('\n');
        expect(Number(/files=(\d+)/.exec(counts ?? '')?.[1]), counts).to.be.at.least(4);
        expect(counts).to.contain('notgroup0=0').and.contain('notgroupw=0').and.contain('dirsnotsetgid=0');
        expect(counts).to.contain('opt_notgroup0=0').and.contain('opt_notgroupw=0');
        expect(made).to.equal('hello from the course wheel');
        expect(modes).to.deep.equal(['0 -rw-rw-r--', '0 -rwxrwxr-x']);
      });

      it('under a random UID, the package imports in a kernel started through the API, and start ran first', async () => {
        const uid = randomUid();
        const jupyter = await runJupyter(output, { user: `${uid}:0` });
        try {
          await waitForJupyter(jupyter);
          const logs = await jupyter.logs();
          expect(logs).to.contain(`run: running the course's start script (/home/jovyan/.tjs2i/start) before jupyter ${family.defaultInterface}`);
          const client = new JupyterClient(jupyter.base, await tokenOf(jupyter));
          const kernel = await client.startKernel();
          const ran = await client.execute(
            kernel,
            'import os, tjs2i_course_pkg\nprint(tjs2i_course_pkg.GREETING)\nprint(os.environ.get("COURSE_STARTED_BY"))\nprint(open("/tmp/start-ran").read().strip())',
          );
          expect(ran.error, JSON.stringify(ran)).to.equal(undefined);
          expect(ran.status).to.equal('ok');
          expect(ran.stdout.split('\n')).to.deep.equal(['hello from the course wheel', 'binder-start', `start ran as ${uid}`, '']);
          // The helper reports errors too, so a missing package would be seen as such.
          const missing = await client.execute(kernel, 'import not_installed_anywhere');
          expect(missing.error?.ename).to.equal('ModuleNotFoundError');
        } finally {
          await jupyter.stop();
        }
      });
    });

    it('.binder/ is used like binder/, and a root requirements.txt is used when neither exists', async () => {
      for (const [where, files] of [
        ['.binder', { '.binder/requirements.txt': `--no-index\n./${wheel.filename}\n`, [`.binder/${wheel.filename}`]: wheel.data }],
        ['root', { 'requirements.txt': `--no-index\n./${wheel.filename}\n`, [wheel.filename]: wheel.data }],
      ] as const) {
        const output = uniqueName(`deps-${where.replace('.', 'dot')}`);
        images.push(output);
        const result = await tjs2i(['build', await course({ 'a.ipynb': notebook('A'), ...files }), builder, output, '--copy']);
        expect(result.code, result.stderr).to.equal(0);
        const imported = await docker(
          'run',
          '--rm',
          '--label',
          'io.tjs2i.test=1',
          '--user',
          `${randomUid()}:0`,
          '--entrypoint',
          '/opt/conda/bin/python',
          output,
          '-c',
          'import tjs2i_course_pkg as p; print(p.GREETING)',
        );
        expect(imported, where).to.equal('hello from the course wheel');
      }
    });

    describe('what an S2I build cannot do fails with one clear assemble line, exit 1 and no image', () => {
      const cases: { name: string; files: Record<string, TreeEntry>; message: RegExp; assembleExit?: number }[] = [
        {
          name: 'apt.txt',
          files: { 'binder/apt.txt': '# tools\ncurl\ngraphviz\n' },
          message:
            /^assemble: binder\/apt\.txt asks for system packages \(curl graphviz\), but S2I builds run as a non-root user and cannot install them; derive a builder instead, a Dockerfile of 3 lines: 'FROM <this builder>' \/ 'USER root' \+ 'RUN apt-get update && apt-get install -y --no-install-recommends curl graphviz && rm -rf \/var\/lib\/apt\/lists\/\* && find \/ -xdev -perm \/6000 -type f -exec chmod ug-s \{\} \+' \/ 'USER 1000' \(the find clears set-uid\/set-gid bits the packages bring: beside the builder's group-writable \/etc\/passwd they would lead to root\), then build with that image$/m,
        },
        {
          name: 'environment.yml without conda',
          files: { 'environment.yml': 'dependencies:\n  - numpy\n' },
          message:
            /^assemble: environment\.yml needs conda or mamba, and this builder has neither \(CONDA_DIR=\/opt\/conda\); use a conda-based builder, or list pip packages in requirements\.txt instead$/m,
        },
        {
          name: 'runtime.txt asking for another Python',
          files: { 'binder/runtime.txt': 'python-3.7\n' },
          message: new RegExp(
            `^assemble: binder/runtime\\.txt asks for python-3\\.7, but this builder's Python is ${family.python.replace('.', '\\.')}\\.\\d+; S2I cannot change the builder's Python: pick a builder with Python 3\\.7, or remove runtime\\.txt$`,
            'm',
          ),
        },
        {
          name: 'runtime.txt asking for R without R',
          files: { 'runtime.txt': 'r-4.3-2023-06-01\n' },
          message:
            /^assemble: runtime\.txt asks for R \(r-4\.3-2023-06-01\), but this builder has no R; S2I cannot install R: use an R builder \(such as r-notebook\)$/m,
        },
        {
          name: 'both binder/ and .binder/',
          files: { 'binder/requirements.txt': '', '.binder/requirements.txt': '' },
          message: /^assemble: the repository has both binder\/ and \.binder\/; repo2docker allows only one: remove one of them$/m,
        },
        {
          name: "a failing postBuild (its exit code is assemble's)",
          files: { 'binder/postBuild': script('#!/bin/bash\necho "postBuild starts"\nexit 7\n') },
          message: /^assemble: binder\/postBuild failed with exit code 7$/m,
          assembleExit: 7,
        },
      ];
      for (const c of cases) {
        it(c.name, async () => {
          const output = uniqueName('deps-fail');
          const result = await tjs2iTracked(['build', await course({ 'a.ipynb': notebook('A'), ...c.files }), builder, output, '--copy']);
          expect(result.code, result.stderr).to.equal(1);
          expect(result.stderr).to.match(c.message);
          // Nothing else from assemble's error trap: the one line is the explanation.
          expect(result.stderr).to.not.contain('assemble: failed (exit');
          expect(result.stderr).to.match(new RegExp(`assemble failed with exit code ${c.assembleExit ?? 1}\\b`));
          expect(await imageExists(output)).to.equal(false);
          expect(await result.leftoverContainers()).to.deep.equal([]);
        });
      }
    });
  });
});
