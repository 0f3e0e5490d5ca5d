import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { docker, exec, inspectImage, randomUid, tempDir, testBuilder, tjs2i, uniqueName } from '../support/integration/helpers.js';
import { familyBuilder, forEachFamily } from '../support/integration/families.js';
import { git, startGitServer, type GitServer } from '../support/integration/git-server.js';
import { emptyNotebook, JupyterClient, runJupyter, waitForJupyter } from '../support/integration/jupyter.js';
import { onPodman } from '../support/integration/engines.js';

const notebook = (title: string) =>
  JSON.stringify({ cells: [{ cell_type: 'markdown', metadata: {}, source: `# ${title}`, id: 'c0' }], metadata: {}, nbformat: 4, nbformat_minor: 5 });

/** About 1 MB that does not compress, so a copy left behind in /tmp/src would double the layer. */
const DATA = randomBytes(1_000_000);

const COURSE = {
  '01-intro.ipynb': notebook('Introduction'),
  '02-data.ipynb': notebook('Data'),
  'data/measurements.bin': DATA,
  'lessons/03-exercises.ipynb': notebook('Exercises'),
  'other-course/only-here.ipynb': notebook('Other course'),
};
const COURSE_BYTES = Object.values(COURSE).reduce((n, c) => n + Buffer.byteLength(c), 0);

describe('tjs2i build (real engine, real Jupyter)', function () {
  this.timeout(300_000);
  let server: GitServer;
  let builder: string;
  let url: string;
  let headCommit: string;

  before(async () => {
    builder = await testBuilder();
    server = await startGitServer();
    const repo = await server.createRepo('course.git', COURSE);
    headCommit = await git(repo.work, 'rev-parse', 'HEAD');
    await git(repo.work, 'checkout', '-q', '-b', 'feature');
    await exec('sh', ['-c', `echo '${notebook('Feature')}' > feature-only.ipynb`], { cwd: repo.work });
    await git(repo.work, 'add', '-A');
    await git(repo.work, 'commit', '-q', '-m', 'A feature branch notebook');
    await git(repo.work, 'tag', '-a', 'v1', '-m', 'release 1');
    await git(repo.work, 'checkout', '-q', 'main');
    await repo.publish();
    url = server.url('course.git');
  });

  after(async () => server?.stop());

  forEachFamily((family) => {
    describe('a course image built from a git server', () => {
      let output: string;

      let builder: string;

      before(async () => {
        builder = await familyBuilder(family);
        output = uniqueName('course');
        const result = await tjs2i(['build', url, builder, output]);
        expect(result.code, result.stderr).to.equal(0);
      });

      it('says what it is doing: each step with its duration, the files written directly, and the result', async () => {
        // --force: the same commit was just built, and would be up to date.
        const result = await tjs2i(['build', url, builder, output, '--force']);
        expect(result.code, result.stderr).to.equal(0);
        for (const step of ['inspect', 'clone', 'write', 'commit']) {
          expect(result.stderr).to.match(new RegExp(`<== ${step} done in [0-9.]+ (ms|s)`));
        }
        expect(result.stderr).to.contain('assemble: tjs2i default, written directly (no dependency files)');
        const id = (await inspectImage(output)).Id.replace('sha256:', '').slice(0, 12);
        expect(result.stderr).to.match(new RegExp(`built ${output}:latest \\(${id}\\), [0-9.]+ [kMG]?B, in`));
        expect(result.stdout).to.equal('');
      });

      it(onPodman("has the run script as Cmd, the builder's numeric User and entrypoint, and provenance labels"), async () => {
        const image = await inspectImage(output);
        const base = await inspectImage(builder);
        expect(image.Config.Cmd).to.deep.equal(['/usr/libexec/s2i/run']);
        expect(image.Config.User).to.equal('1000');
        expect(image.Config.Entrypoint).to.deep.equal(base.Config.Entrypoint);
        const labels = image.Config.Labels;
        expect(labels['io.openshift.s2i.build.image']).to.equal(builder);
        expect(labels['io.openshift.s2i.build.source-location']).to.equal(url);
        expect(labels['io.openshift.s2i.build.commit.id']).to.equal(headCommit);
        expect(labels['io.openshift.s2i.build.commit.ref']).to.equal('main');
        expect(labels['io.openshift.s2i.build.commit.author']).to.equal('Ada Teacher <ada@example.org>');
        expect(labels['io.openshift.s2i.build.commit.message']).to.equal('Initial course content');
        expect(Date.parse(labels['io.openshift.s2i.build.commit.date'] ?? '')).to.be.closeTo(Date.now(), 3_600_000);
        expect(labels['io.openshift.s2i.scripts-url']).to.equal('image:///usr/libexec/s2i');
      });

      it('adds exactly one layer, about the size of the source, with no copy left in /tmp/src', async () => {
        const sizes = (await docker('history', '--no-trunc', '--human=false', '--format', '{{.Size}}', output)).split('\n').map(Number);
        const builderLayers = (await docker('history', '--no-trunc', '--format', '{{.ID}}', builder)).split('\n').length;
        expect(sizes.length).to.equal(builderLayers + 1);
        const top = sizes[0] ?? 0;
        expect(top).to.be.at.least(COURSE_BYTES);
        expect(top).to.be.below(COURSE_BYTES * 1.05 + 64 * 1024);
        const files = await docker(
          'run',
          '--rm',
          '--label',
          'io.tjs2i.test=1',
          '--entrypoint',
          'bash',
          output,
          '-c',
          'test ! -e /tmp/src && echo clean; cd /home/jovyan/work && find . -type f | sort; stat -c "%g %A" data/measurements.bin lessons',
        );
        expect(files.split('\n')).to.deep.equal([
          'clean',
          './.tjs2i-seeded',
          './01-intro.ipynb',
          './02-data.ipynb',
          './data/measurements.bin',
          './lessons/03-exercises.ipynb',
          './other-course/only-here.ipynb',
          '0 -rw-rw-r--',
          '0 drwxrwsr-x',
        ]);
      });

      describe('with PASSWORD, under two random UIDs with group 0', () => {
        const password = `pw-${randomBytes(12).toString('hex')}`;
        for (const n of [1, 2]) {
          const title = `#${n}: refuses the API before login, logs in with the password, lists work/, saves a notebook`;
          it(n === 1 ? onPodman(title) : title, async () => {
            const uid = randomUid();
            const jupyter = await runJupyter(output, { user: `${uid}:0`, password });
            try {
              await waitForJupyter(jupyter);
              const client = new JupyterClient(jupyter.base);
              expect((await client.request('GET', '/api/contents/work')).status).to.equal(403);
              expect(await new JupyterClient(jupyter.base).login('not-the-password')).to.equal(false);
              expect(await client.login(password)).to.equal(true);
              expect(await client.listWork()).to.deep.equal(['01-intro.ipynb', '02-data.ipynb', 'data', 'lessons', 'other-course']);
              const saved = await client.request('PUT', '/api/contents/work/lessons/saved-by-student.ipynb', emptyNotebook);
              expect(saved.status).to.equal(201);
              expect(await jupyter.exec('stat -c "%u %g %A" /home/jovyan/work/lessons/saved-by-student.ipynb')).to.equal(`${uid} 0 -rw-rw-r--`);

              // The password never leaks: not in the log, not in the server's or a kernel's environment.
              const kernel = await client.request('POST', '/api/kernels', { name: 'python3' });
              expect(kernel.status).to.equal(201);
              await new Promise((r) => setTimeout(r, 1500));
              const environments = await jupyter.exec(
                'for p in /proc/[0-9]*; do argv0=$(tr "\\0" "\\n" < $p/cmdline 2>/dev/null | head -n 1); case "$argv0" in *python*) ' +
                  'echo "$(tr "\\0" "\\n" < $p/environ | grep -c -a "^PASSWORD=") $(tr "\\0" " " < $p/cmdline)";; esac; done',
              );
              expect(environments)
                .to.match(/ipykernel_launcher/)
                .and.match(family.defaultInterface === 'lab' ? /jupyter-lab/ : /jupyter-notebook/);
              for (const line of environments.split('\n')) expect(line, line).to.match(/^0 /);
              expect(await jupyter.logs()).to.not.contain(password);
            } finally {
              await jupyter.stop();
            }
          });
        }

        it('with PASSWORD_FILE the password is in no process environment at all, and logs in', async () => {
          const created = await exec('docker', [
            'create',
            '--label',
            'io.tjs2i.test=1',
            '--user',
            `${randomUid()}:0`,
            '-p',
            '127.0.0.1::8888',
            '-e',
            'PASSWORD_FILE=/tmp/jupyter-password',
            output,
          ]);
          expect(created.code, created.stderr).to.equal(0);
          const id = created.stdout.trim();
          const dir = await tempDir('pwfile');
          try {
            await writeFile(join(dir.path, 'jupyter-password'), `${password}\n`, { mode: 0o644 });
            await docker('cp', join(dir.path, 'jupyter-password'), `${id}:/tmp/jupyter-password`);
            await docker('start', id);
            const port = Number((await docker('port', id, '8888/tcp')).split('\n')[0]?.split(':').pop());
            const jupyter = {
              id,
              port,
              base: `http://127.0.0.1:${port}`,
              logs: async () => (await exec('docker', ['logs', id])).stderr,
              exec: (c: string) => docker('exec', id, 'bash', '-c', c),
              stop: async () => undefined,
            };
            await waitForJupyter(jupyter);
            const client = new JupyterClient(jupyter.base);
            expect((await client.request('GET', '/api/contents/work')).status).to.equal(403);
            expect(await client.login(password)).to.equal(true);
            expect(await client.listWork()).to.include('01-intro.ipynb');
            const environments = await jupyter.exec('cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n" | grep -c -a "^PASSWORD=" || true');
            expect(environments).to.equal('0');
          } finally {
            await exec('docker', ['rm', '-f', id]);
            await dir.remove();
          }
        });

        it('the password is not in the image config, history or labels', async () => {
          const inspect = await docker('image', 'inspect', output);
          const history = await docker('history', '--no-trunc', output);
          expect(inspect).to.not.contain(password);
          expect(history).to.not.contain(password);
        });
      });

      it('runs with a passwd entry too (uid 1000, group 0), token on, login URL printed, arguments passed to Jupyter', async () => {
        const jupyter = await runJupyter(output, {
          user: '1000:0',
          args: ['/usr/libexec/s2i/run', `--${family.serverClass}.base_url=/course/`],
          basePath: '/course',
        });
        try {
          await waitForJupyter(jupyter);
          const token = /\?token=([0-9a-f]+)/.exec(await jupyter.logs())?.[1];
          expect(token).to.be.a('string');
          expect((await new JupyterClient(jupyter.base).request('GET', '/api/contents/work')).status).to.equal(403);
          expect(await new JupyterClient(jupyter.base, token).listWork()).to.include('01-intro.ipynb');
        } finally {
          await jupyter.stop();
        }
      });
    });
  });

  describe('refs and context dirs over the git protocol', () => {
    const workFiles = async (image: string) =>
      (
        await docker(
          'run',
          '--rm',
          '--label',
          'io.tjs2i.test=1',
          '--entrypoint',
          'bash',
          image,
          '-c',
          'cd /home/jovyan/work && find . -type f ! -name .tjs2i-seeded | sort',
        )
      ).split('\n');

    it('--ref to a branch builds that branch', async () => {
      const output = uniqueName('branch');
      const result = await tjs2i(['build', url, builder, output, '--ref', 'feature']);
      expect(result.code, result.stderr).to.equal(0);
      expect(await workFiles(output)).to.include('./feature-only.ipynb');
      const labels = (await inspectImage(output)).Config.Labels;
      expect(labels['io.openshift.s2i.build.commit.ref']).to.equal('feature');
      expect(labels['io.openshift.s2i.build.commit.message']).to.equal('A feature branch notebook');
    });

    it('--ref to a tag builds the tagged commit', async () => {
      const output = uniqueName('tag');
      const result = await tjs2i(['build', url, builder, output, '--ref', 'v1']);
      expect(result.code, result.stderr).to.equal(0);
      expect(await workFiles(output)).to.include('./feature-only.ipynb');
      expect((await inspectImage(output)).Config.Labels['io.openshift.s2i.build.commit.ref']).to.equal('v1');
    });

    it('--ref to a commit id builds that commit', async () => {
      const output = uniqueName('commit');
      const result = await tjs2i(['build', url, builder, output, '--ref', headCommit.slice(0, 10)]);
      expect(result.code, result.stderr).to.equal(0);
      expect(await workFiles(output)).to.not.include('./feature-only.ipynb');
      expect((await inspectImage(output)).Config.Labels['io.openshift.s2i.build.commit.id']).to.equal(headCommit);
    });

    it('--context-dir builds only that subdirectory and records it', async () => {
      const output = uniqueName('context');
      const result = await tjs2i(['build', url, builder, output, '--context-dir', 'other-course']);
      expect(result.code, result.stderr).to.equal(0);
      expect(await workFiles(output)).to.deep.equal(['./only-here.ipynb']);
      expect((await inspectImage(output)).Config.Labels['io.openshift.s2i.build.source-context-dir']).to.equal('other-course');
    });

    it('a local work tree builds its committed HEAD, not uncommitted files', async () => {
      const repo = await server.createRepo('local-course', { 'committed.ipynb': notebook('Committed') });
      await exec('sh', ['-c', 'echo draft > uncommitted.txt'], { cwd: repo.work });
      const output = uniqueName('local');
      const result = await tjs2i(['build', repo.work, builder, output]);
      expect(result.code, result.stderr).to.equal(0);
      expect(await workFiles(output)).to.deep.equal(['./committed.ipynb']);
      expect((await inspectImage(output)).Config.Labels['io.openshift.s2i.build.source-location']).to.equal(join(repo.work));
    });
  });
});
