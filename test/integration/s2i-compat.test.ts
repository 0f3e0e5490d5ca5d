/**
 * s2i's build options against the real engine: environment, scripts locations, destination,
 * users, excludes, incremental builds, labels from assemble, --as-dockerfile, usage and version.
 */
import { expect } from 'chai';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  docker,
  exec,
  freePort,
  imageId,
  inspectImage,
  leftoverContainers,
  leftoverTempDirs,
  randomUid,
  tempDir,
  TEST_LABEL,
  tjs2i,
  uniqueName,
} from '../support/integration/helpers.js';
import { familyBuilder, forEachFamily } from '../support/integration/families.js';
import { JupyterClient, runJupyter, waitForJupyter } from '../support/integration/jupyter.js';
import { onPodman } from '../support/integration/engines.js';

type Files = Record<string, string | { content: string; mode: number }>;

const notebook = (title: string) =>
  JSON.stringify({ cells: [{ cell_type: 'markdown', metadata: {}, source: `# ${title}`, id: 'c0' }], metadata: {}, nbformat: 4, nbformat_minor: 5 });
const script = (body: string) => ({ content: `#!/bin/bash\nset -euo pipefail\n${body}\n`, mode: 0o755 });

/** An assemble that records what it saw in /tmp/build-facts, then runs the builder's own. */
const RECORDING_ASSEMBLE = script(
  'printf "%s\\n" "A=${A:-}" "B=${B:-}" "C=${C:-}" "uid=$(id -u)" "pwd-src=$(ls -d /tmp/src /var/tmp/src 2>/dev/null | tr "\\n" " ")" > /tmp/build-facts\n' +
    'echo "recording assemble ran"\nexec /usr/libexec/s2i/assemble',
);

describe('s2i compatibility (real engine)', function () {
  this.timeout(300_000);
  forEachFamily((family) => {
    let builder: string;
    const images: string[] = [];
    const cleanups: (() => Promise<void>)[] = [];

    before(async () => {
      builder = await familyBuilder(family);
    });

    after(async () => {
      for (const cleanup of cleanups) await cleanup().catch(() => undefined);
      const existing = [];
      for (const image of images) if (await imageId(image)) existing.push(image);
      if (existing.length) await exec('docker', ['rmi', '-f', ...existing]);
    });

    const output = (what: string) => {
      const name = uniqueName(what);
      images.push(name);
      return name;
    };

    const sourceDir = async (files: Files): Promise<string> => {
      const dir = await tempDir('compat');
      cleanups.push(dir.remove);
      for (const [name, spec] of Object.entries(files)) {
        const path = join(dir.path, name);
        await mkdir(dirname(path), { recursive: true });
        if (typeof spec === 'string') await writeFile(path, spec);
        else {
          await writeFile(path, spec.content);
          await chmod(path, spec.mode);
        }
      }
      return dir.path;
    };

    /** A builder derived from the test builder with extra labels (no RUN: instant). */
    const derive = async (labels: Record<string, string>): Promise<string> => {
      const name = output('derived');
      const dockerfile = `FROM ${builder}\nLABEL ${Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(' ')}\n`;
      const result = await exec('sh', ['-c', `printf '%s' "$DOCKERFILE" | docker build -q --label ${TEST_LABEL} -t ${name} -`], {
        env: { ...process.env, DOCKERFILE: dockerfile },
      });
      expect(result.code, result.stderr).to.equal(0);
      return name;
    };

    const inImage = async (image: string, command: string, user?: string) =>
      docker('run', '--rm', '--label', TEST_LABEL, ...(user ? ['--user', user] : []), '--entrypoint', 'bash', image, '-c', command);

    const facts = async (image: string) =>
      Object.fromEntries((await inImage(image, 'cat /tmp/build-facts')).split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));

    const expectOneErrorLine = (stderr: string, pattern: RegExp) => {
      const errors = stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect(errors, stderr).to.have.length(1);
      expect(errors[0]).to.match(pattern);
    };

    const expectNoDebris = async () => {
      expect(await leftoverContainers()).to.deep.equal([]);
      expect(await leftoverTempDirs()).to.deep.equal([]);
    };

    describe('environment', () => {
      it('-E file < .s2i/environment < -e: all reach assemble and are committed into the image', async () => {
        const src = await sourceDir({
          'lesson.ipynb': notebook('Lesson'),
          '.s2i/bin/assemble': RECORDING_ASSEMBLE,
          '.s2i/environment': '# from the course\nB=from-s2i\n  export C="from s2i, quoted"\n',
        });
        const envFile = join(src, '..', `${uniqueName('env')}.env`);
        cleanups.push(async () => void (await exec('rm', ['-f', envFile])));
        await writeFile(envFile, "A='from file'\nB=from-file\nC=from-file\n\n");
        const out = output('env');
        const result = await tjs2i(['build', src, builder, out, '-E', envFile, '-e', 'C=from cli', '--env', 'D=x=y']);
        expect(result.code, result.stderr).to.equal(0);
        expect(result.stderr).to.contain('environment: A, B, C, D');
        const seen = await facts(out);
        expect([seen.A, seen.B, seen.C]).to.deep.equal(['from file', 'from-s2i', 'from cli']);
        const env = (await inspectImage(out)).Config.Env;
        expect(env).to.include.members(['A=from file', 'B=from-s2i', 'C=from cli', 'D=x=y']);
        expect(await inImage(out, 'echo "$B|$D"', `${randomUid()}:0`)).to.equal('from-s2i|x=y');
      });

      it('a malformed .s2i/environment line: exit 2 naming file and line, no value shown, no debris', async () => {
        const src = await sourceDir({ 'x.ipynb': '{}', '.s2i/environment': 'OK=1\n# fine\nTOKEN here-is-a-secret\n' });
        const result = await tjs2i(['build', src, builder, output('badenv')]);
        expect(result.code).to.equal(2);
        expectOneErrorLine(result.stderr, /^error: \.s2i\/environment:3: /);
        expect(result.stderr).to.not.contain('here-is-a-secret');
        await expectNoDebris();
      });

      it("-e NAME takes the value from tjs2i's own environment; unset is exit 2", async () => {
        const src = await sourceDir({ 'x.ipynb': '{}', '.s2i/bin/assemble': RECORDING_ASSEMBLE });
        const out = output('envpass');
        const ok = await tjs2i(['build', src, builder, out, '-e', 'A'], { A: 'passed through' });
        expect(ok.code, ok.stderr).to.equal(0);
        expect((await facts(out)).A).to.equal('passed through');
        const missing = await tjs2i(['build', src, builder, output('envmissing'), '-e', 'TJS2I_SURELY_UNSET_VAR']);
        expect(missing.code).to.equal(2);
        expectOneErrorLine(missing.stderr, /TJS2I_SURELY_UNSET_VAR/);
      });
    });

    describe('scripts', () => {
      let server: Server;
      let base: string;
      before(async () => {
        server = createServer((req, res) => {
          if (req.url === '/s2i/run') res.end('#!/bin/sh\necho "custom run from http"\n');
          else {
            res.statusCode = 404;
            res.end();
          }
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      });
      after(() => new Promise<void>((resolve) => server.close(() => resolve())));

      it('--scripts-url file:// wins over the source .s2i/bin', async () => {
        const external = await sourceDir({ assemble: script('echo "assemble from file url"\nexec /usr/libexec/s2i/assemble') });
        const src = await sourceDir({ 'x.ipynb': '{}', '.s2i/bin/assemble': script('echo "assemble from source"; exit 1') });
        const result = await tjs2i(['build', src, builder, output('fileurl'), '--scripts-url', pathToFileURL(external).href]);
        expect(result.code, result.stderr).to.equal(0);
        expect(result.stderr).to.contain('assemble from file url').and.not.contain('assemble from source');
      });

      it('--scripts-url http:// serves run; assemble, missing there, comes from the builder label', async () => {
        const src = await sourceDir({ 'x.ipynb': '{}' });
        const out = output('httpurl');
        const result = await tjs2i(['build', src, builder, out, '-s', `${base}/s2i`]);
        expect(result.code, result.stderr).to.equal(0);
        expect((await inspectImage(out)).Config.Cmd).to.deep.equal(['/tmp/scripts/run']);
        // The last line: today's start.sh says what it runs first.
        expect((await docker('run', '--rm', '--label', TEST_LABEL, '--user', `${randomUid()}:0`, out)).split('\n').pop()).to.equal('custom run from http');
      });

      it('--scripts-url image:// is used in place, even when the source has .s2i/bin', async () => {
        const src = await sourceDir({ 'x.ipynb': '{}', '.s2i/bin/assemble': script('echo "assemble from source"; exit 1') });
        const result = await tjs2i(['build', src, builder, output('imageurl'), '-s', 'image:///usr/libexec/s2i']);
        expect(result.code, result.stderr).to.equal(0);
        expect(result.stderr).to.contain('---> Copying the course files');
      });

      it('a required script found nowhere: exit 2 listing where it looked', async () => {
        const bare = await derive({ 'io.openshift.s2i.scripts-url': '' });
        const src = await sourceDir({ 'x.ipynb': '{}' });
        const result = await tjs2i(['build', src, bare, output('noscript')]);
        expect(result.code).to.equal(2);
        expectOneErrorLine(
          result.stderr,
          /^error: no assemble script found; looked in \.s2i\/bin\/assemble in the source, the image label io\.openshift\.s2i\.scripts-url \(not set\)/,
        );
        await expectNoDebris();
      });
    });

    describe('destination and users', () => {
      const DEST_ASSEMBLE = script(
        'ls /var/tmp/scripts > /tmp/dest-scripts\nmkdir -p /home/jovyan/work && cp -R /var/tmp/src/. /home/jovyan/work/\nprintf "%s\\n" "uid=$(id -u)" "A=" "B=" "C=" > /tmp/build-facts',
      );

      it('--destination puts src/ and scripts/ there', async () => {
        const src = await sourceDir({ 'lesson.ipynb': notebook('L'), '.s2i/bin/assemble': DEST_ASSEMBLE });
        const out = output('dest');
        const result = await tjs2i(['build', src, builder, out, '--destination', '/var/tmp']);
        expect(result.code, result.stderr).to.equal(0);
        expect(await inImage(out, 'cat /tmp/dest-scripts; ls /home/jovyan/work')).to.equal('assemble\nlesson.ipynb');
        expect((await inspectImage(out)).Config.Cmd).to.deep.equal(['/usr/libexec/s2i/run']);
      });

      it('the io.openshift.s2i.destination label does the same; a destination missing in the image is exit 2', async () => {
        const labelled = await derive({ 'io.openshift.s2i.destination': '/var/tmp' });
        const src = await sourceDir({ 'lesson.ipynb': notebook('L'), '.s2i/bin/assemble': DEST_ASSEMBLE });
        const out = output('destlabel');
        const result = await tjs2i(['build', src, labelled, out]);
        expect(result.code, result.stderr).to.equal(0);
        expect(await inImage(out, 'ls /home/jovyan/work')).to.equal('lesson.ipynb');
        const missing = await tjs2i(['build', src, builder, output('destmissing'), '--destination', '/no/such/dir']);
        expect(missing.code).to.equal(2);
        expectOneErrorLine(missing.stderr, /^error: \/no\/such\/dir does not exist in the builder image/);
        await expectNoDebris();
      });

      it('--assemble-user and the assemble-user label choose who runs assemble; the image keeps the builder USER', async () => {
        const src = await sourceDir({ 'x.ipynb': '{}', '.s2i/bin/assemble': RECORDING_ASSEMBLE });
        const flagged = output('asmuser');
        const viaFlag = await tjs2i(['build', src, builder, flagged, '--assemble-user', '123456']);
        expect(viaFlag.code, viaFlag.stderr).to.equal(0);
        expect((await facts(flagged)).uid).to.equal('123456');
        expect((await inspectImage(flagged)).Config.User).to.equal('1000');

        const labelled = await derive({ 'io.openshift.s2i.assemble-user': '4321' });
        const viaLabel = output('asmlabel');
        const result = await tjs2i(['build', src, labelled, viaLabel]);
        expect(result.code, result.stderr).to.equal(0);
        expect((await facts(viaLabel)).uid).to.equal('4321');
      });

      it('--allowed-uids: users outside the ranges, named or root are exit 5; bad ranges exit 2', async () => {
        const src = await sourceDir({ 'x.ipynb': '{}' });
        const cases: [string[], number, RegExp][] = [
          [['-u', '1-999'], 5, /image USER of .* 1000 is not in the allowed UIDs 1-999/],
          [['-u', '1000-2000', '--assemble-user', '5000'], 5, /5000 is not in the allowed UIDs 1000-2000/],
          [['--assemble-user', 'jovyan'], 5, /jovyan/],
          [['--assemble-user', '0'], 5, /root/],
          [['-u', 'abc'], 2, /abc/],
        ];
        for (const [args, code, pattern] of cases) {
          const result = await tjs2i(['build', src, builder, output('uids'), ...args]);
          expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(code);
          expectOneErrorLine(result.stderr, pattern);
        }
        const allowed = await tjs2i(['build', src, builder, output('uidsok'), '-u', '500-600,1000-', '--allowed-uids', '5']);
        expect(allowed.code, allowed.stderr).to.equal(0);
        await expectNoDebris();
      });
    });

    describe('what is uploaded', () => {
      it('--exclude replaces the default; .s2iignore has gitignore semantics', async () => {
        const src = await sourceDir({
          'keep.ipynb': '{}',
          'debug.log': 'x',
          'sub/also.log': 'x',
          'sub/keep.py': 'x',
          'build/out.bin': 'x',
          'scratch.tmp': 'x',
          'data/important.log': 'x',
          '.s2iignore': '# build products\n*.log\n!data/important.log\nbuild/\n',
        });
        const out = output('exclude');
        const result = await tjs2i(['build', src, builder, out, '--exclude', '\\.tmp$']);
        expect(result.code, result.stderr).to.equal(0);
        const files = await inImage(out, 'cd /home/jovyan/work && find . -type f ! -name .tjs2i-seeded | LC_ALL=C sort');
        expect(files.split('\n')).to.deep.equal(['./.s2iignore', './data/important.log', './keep.ipynb', './sub/keep.py']);
      });
    });

    describe('incremental builds', () => {
      const files: Files = {
        'lesson.ipynb': notebook('L'),
        '.s2i/bin/save-artifacts': script('if [ -n "${BREAK_ARTIFACTS:-}" ]; then echo "this is not a tar"; exit 0; fi\ncd /home/jovyan && tar -cf - cache'),
        '.s2i/bin/assemble': script(
          'if [ -d /tmp/artifacts/cache ]; then echo "restoring artifacts"; cp -R /tmp/artifacts/cache /home/jovyan/; fi\n' +
            'mkdir -p /home/jovyan/cache && echo build >> /home/jovyan/cache/builds.txt\nexec /usr/libexec/s2i/assemble',
        ),
      };
      const builds = async (image: string) => (await inImage(image, 'wc -l < /home/jovyan/cache/builds.txt')).trim();

      it(
        onPodman('restores save-artifacts output; no previous image is a clean build; a broken stream falls back; --rm removes the previous image'),
        async () => {
          const src = await sourceDir(files);
          const out = output('incr');
          const first = await tjs2i(['build', src, builder, out, '--incremental']);
          expect(first.code, first.stderr).to.equal(0);
          expect(first.stderr).to.contain('no previous image');
          expect(await builds(out)).to.equal('1');

          const second = await tjs2i(['build', src, builder, out, '--incremental', '--json']);
          expect(second.code, second.stderr).to.equal(0);
          expect(second.stderr).to.contain('restoring artifacts');
          expect(JSON.parse(second.stdout)).to.include({ ok: true, incremental: true });
          expect(await builds(out)).to.equal('2');

          const broken = await tjs2i(['build', src, builder, out, '--incremental', '-e', 'BREAK_ARTIFACTS=1']);
          expect(broken.code, broken.stderr).to.equal(0);
          expect(broken.stderr).to.match(/warning: save-artifacts did not write a valid tar .*building from scratch/);
          expect(await builds(out)).to.equal('1');

          const before = await imageId(out);
          // The previous image has BREAK_ARTIFACTS=1 in its environment (build variables are committed):
          // the new build's -e is what save-artifacts sees, as with s2i.
          const removing = await tjs2i(['build', src, builder, out, '--incremental', '--rm', '-e', 'BREAK_ARTIFACTS=']);
          expect(removing.code, removing.stderr).to.equal(0);
          expect(await builds(out)).to.equal('2');
          expect(await imageId(out)).to.not.equal(before);
          expect(await imageId(before as string)).to.equal(undefined);
          await expectNoDebris();
        },
      );
    });

    describe('labels', () => {
      it('labels from image_metadata.json, -n and --description; provenance cannot be overwritten', async () => {
        const src = await sourceDir({
          'x.ipynb': '{}',
          '.s2i/bin/assemble': script(
            'mkdir -p /tmp/.s2i\n' +
              `echo '{"labels":[{"course.week":"3"},{"io.openshift.s2i.build.image":"forged"},{"io.k8s.display-name":"from metadata"}]}' > /tmp/.s2i/image_metadata.json\n` +
              'exec /usr/libexec/s2i/assemble',
          ),
        });
        const out = output('labels');
        const result = await tjs2i(['build', src, builder, out, '-n', 'Statistics 101', '--description', 'Week 3 of the course']);
        expect(result.code, result.stderr).to.equal(0);
        expect(result.stderr).to.contain('ignored io.openshift.s2i.build.image');
        const labels = (await inspectImage(out)).Config.Labels;
        expect(labels['course.week']).to.equal('3');
        expect(labels['io.openshift.s2i.build.image']).to.equal(builder);
        expect(labels['io.k8s.display-name']).to.equal('Statistics 101');
        expect(labels['io.k8s.description']).to.equal('Week 3 of the course');
      });
    });

    describe('--as-dockerfile', () => {
      it(onPodman('writes a Dockerfile and context that docker build turns into an image serving the course under a random UID'), async () => {
        const src = await sourceDir({ '01-intro.ipynb': notebook('Intro'), 'data/t.csv': 'a,b\n1,2\n', '.s2i/environment': 'COURSE=stats\n' });
        const ctx = await tempDir('dockerfile');
        cleanups.push(ctx.remove);
        const dockerfile = join(ctx.path, 'out', 'Dockerfile');
        const result = await tjs2i(['build', src, builder, '--as-dockerfile', dockerfile, '-n', 'Course', '--json']);
        expect(result.code, result.stderr).to.equal(0);
        expect(JSON.parse(result.stdout)).to.include({ ok: true, dockerfile, builderInspected: true });
        const text = await readFile(dockerfile, 'utf8');
        expect(text).to.match(new RegExp(`^FROM ${builder}\\n`));
        expect(text)
          .to.contain('COPY --chown=1000:0 ["upload/src","/tmp/src"]')
          .and.contain('RUN ["/usr/libexec/s2i/assemble"]')
          .and.contain('CMD ["/usr/libexec/s2i/run"]');
        expect(text).to.not.match(/USER root/);

        const out = output('dockerfile');
        const built = await exec('docker', ['build', '-q', '--label', TEST_LABEL, '-t', out, join(ctx.path, 'out')]);
        expect(built.code, built.stderr).to.equal(0);
        const image = await inspectImage(out);
        expect(image.Config.User).to.equal('1000');
        expect(image.Config.Cmd).to.deep.equal(['/usr/libexec/s2i/run']);
        expect(image.Config.Env).to.include('COURSE=stats');
        expect(image.Config.Labels['io.openshift.s2i.build.source-location']).to.equal(src);
        expect(image.Config.Labels['io.k8s.display-name']).to.equal('Course');

        const jupyter = await runJupyter(out, { user: `${randomUid()}:0`, password: 'dockerfile-pw' });
        try {
          await waitForJupyter(jupyter);
          const client = new JupyterClient(jupyter.base);
          expect(await client.login('dockerfile-pw')).to.equal(true);
          expect(await client.listWork()).to.deep.equal(['01-intro.ipynb', 'data']);
          expect(await jupyter.exec('stat -c "%g %A" /home/jovyan/work/data/t.csv')).to.equal('0 -rw-rw-r--');
        } finally {
          await jupyter.stop();
        }
      });

      it('needs no engine (defaults, with a warning) and refuses to overwrite', async () => {
        const src = await sourceDir({ 'x.ipynb': '{}' });
        const ctx = await tempDir('noengine');
        cleanups.push(ctx.remove);
        const dockerfile = join(ctx.path, 'Dockerfile');
        const port = await freePort();
        const result = await tjs2i(['build', src, 'jupyter-minimal-notebook', '--as-dockerfile', dockerfile], { DOCKER_HOST: `tcp://127.0.0.1:${port}` });
        expect(result.code, result.stderr).to.equal(0);
        expect(result.stderr).to.match(/warning: no engine to inspect builder jupyter-minimal-notebook; assuming a tjs2i builder/);
        expect(await readFile(dockerfile, 'utf8')).to.contain('FROM jupyter-minimal-notebook\n');
        const again = await tjs2i(['build', src, builder, '--as-dockerfile', dockerfile]);
        expect(again.code).to.equal(2);
        expectOneErrorLine(again.stderr, /already exists/);
      });

      it('a context inside the source is left out of its own upload/; the top of the source is refused', async () => {
        const src = await sourceDir({ 'x.ipynb': '{}', 'notes/a.md': '# a' });
        const inside = await tjs2i(['build', src, builder, '--as-dockerfile', join(src, 'out', 'Dockerfile')]);
        expect(inside.code, inside.stderr).to.equal(0);
        const listed = await exec('find', ['.', '-path', './upload/*', '-print'], { cwd: join(src, 'out') });
        expect(listed.stdout.trim().split('\n').sort()).to.deep.equal([
          './upload/scripts',
          './upload/src',
          './upload/src/notes',
          './upload/src/notes/a.md',
          './upload/src/x.ipynb',
        ]);
        const top = await tjs2i(['build', src, builder, '--as-dockerfile', join(src, 'Dockerfile')]);
        expect(top.code).to.equal(2);
        expectOneErrorLine(top.stderr, /would write into the top of the source/);
        expect((await exec('ls', ['-A', src])).stdout.trim().split('\n')).to.deep.equal(['notes', 'out', 'x.ipynb']);
      });
    });

    describe('usage, version and output modes', () => {
      it(onPodman("tjs2i usage runs the builder's usage script"), async () => {
        const result = await tjs2i(['usage', builder]);
        expect(result.code, result.stderr).to.equal(0);
        expect(result.stdout)
          .to.contain('This is an S2I builder for Jupyter notebooks')
          .and.contain(`tjs2i build https://example.org/course.git ${builder} my-course`);
        const bare = await derive({ 'io.openshift.s2i.scripts-url': '' });
        const none = await tjs2i(['usage', bare]);
        expect(none.code).to.equal(2);
        await expectNoDebris();
      });

      it('tjs2i version and --version print the package version', async () => {
        const { version } = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
        expect((await tjs2i(['version'])).stdout).to.equal(`tjs2i ${version}\n`);
        expect((await tjs2i(['--version'])).stdout.trim()).to.equal(version);
        expect(JSON.parse((await tjs2i(['version', '--json'])).stdout)).to.include({ ok: true, version });
      });

      it('--quiet prints nothing on success; --loglevel 3 adds debug lines; --json is one object on stdout', async () => {
        const src = await sourceDir({ 'x.ipynb': '{}' });
        const out = output('modes');
        const quiet = await tjs2i(['build', src, builder, out, '--quiet']);
        expect(quiet.code, quiet.stderr).to.equal(0);
        expect([quiet.stdout, quiet.stderr]).to.deep.equal(['', '']);
        const verbose = await tjs2i(['build', src, builder, out, '--loglevel', '3']);
        expect(verbose.stderr).to.match(/^debug: assemble: /m);
        const json = await tjs2i(['build', src, builder, out, '--json', '-q']);
        expect(json.stdout.trim().split('\n')).to.have.length(1);
        const result = JSON.parse(json.stdout) as { imageId: string; image: string; size: number; labels: Record<string, string> };
        expect(result.image).to.equal(`${out}:latest`);
        expect(result.imageId).to.equal(await imageId(out));
        expect(result.size).to.be.greaterThan(0);
        expect(result.labels['io.openshift.s2i.build.source-location']).to.equal(src);
        const bad = await tjs2i(['build', src, builder, out, '--loglevel', '9']);
        expect(bad.code).to.equal(2);
      });
    });
  });
});
