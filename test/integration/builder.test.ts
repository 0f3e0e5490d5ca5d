import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEBIAN,
  docker,
  exec,
  imageExists,
  inspectImage,
  leftoverContainers,
  randomUid,
  tempDir,
  TEST_LABEL,
  tjs2i,
  uniqueName,
} from '../support/integration/helpers.js';
import { familyBuilder, forEachFamily } from '../support/integration/families.js';
import { JupyterClient, runJupyter, waitForJupyter } from '../support/integration/jupyter.js';
import { onPodman } from '../support/integration/engines.js';

describe('tjs2i builder (real engine)', function () {
  this.timeout(300_000);

  forEachFamily((family) => {
    it('the stand-in itself fails under a random UID with group 0 (the problem exists)', async () => {
      const result = await exec('docker', ['run', '--rm', '--label', 'io.tjs2i.test=1', '--user', `${randomUid()}:0`, family.standIn]);
      expect(result.code).to.not.equal(0);
      expect(result.stdout + result.stderr).to.match(family.problem);
    });

    it(onPodman('makes a builder with a numeric USER, HOME, S2I labels, baked scripts and the base entrypoint'), async () => {
      const builder = await familyBuilder(family);
      const image = await inspectImage(builder);
      const base = await inspectImage(family.standIn);
      expect(image.Config.User).to.equal('1000');
      expect(image.Config.Env).to.include('HOME=/home/jovyan');
      expect(image.Config.Entrypoint).to.deep.equal(base.Config.Entrypoint);
      expect(image.Config.Cmd).to.deep.equal(['/usr/libexec/s2i/run']);
      const labels = image.Config.Labels;
      expect(labels['io.openshift.s2i.scripts-url']).to.equal('image:///usr/libexec/s2i');
      expect(labels['io.openshift.expose-services']).to.equal('8888:http');
      expect(labels['io.openshift.tags']).to.contain('jupyter');
      expect(labels['io.k8s.description']).to.contain('minimal-notebook');
      expect(labels['io.k8s.display-name']).to.contain('minimal-notebook');
      const scripts = await docker('run', '--rm', '--label', 'io.tjs2i.test=1', '--entrypoint', 'ls', builder, '-l', '/usr/libexec/s2i');
      expect(scripts)
        .to.match(/-rwxr-xr-x .* assemble/)
        .and.match(/-rwxr-xr-x .* run/);
    });

    it('gives group 0 ownership and group rw(X) under /home/jovyan and /opt/conda', async () => {
      const builder = await familyBuilder(family);
      const check = await docker(
        'run',
        '--rm',
        '--label',
        'io.tjs2i.test=1',
        '--entrypoint',
        'bash',
        builder,
        '-c',
        'for d in /home/jovyan /opt/conda; do ' +
          'echo "$d notgroup0=$(find "$d" ! -gid 0 | wc -l) notgroupw=$(find "$d" ! -type l ! -perm -g+rw | wc -l) ' +
          'dirsnotx=$(find "$d" -type d ! -perm -g+x | wc -l) files=$(find "$d" -type f | wc -l)"; done',
      );
      for (const tree of ['/home/jovyan', '/opt/conda']) {
        const line = check.split('\n').find((l) => l.startsWith(`${tree} `)) ?? '';
        expect(line, line).to.contain('notgroup0=0').and.contain('notgroupw=0').and.contain('dirsnotx=0');
        expect(Number(/files=(\d+)/.exec(line)?.[1])).to.be.greaterThan(tree === '/opt/conda' ? 1000 : 2);
      }
    });

    it('has no set-uid or set-gid programs, so the group-writable /etc/passwd cannot lead to root', async () => {
      const builder = await familyBuilder(family);
      const script =
        'find / -xdev -type f -perm /6000 | wc -l; ' +
        // What an attacker in group 0 would try: give root an empty password, then su.
        'passwd_copy=$(mktemp); sed "s/^root:x:/root::/" /etc/passwd > "$passwd_copy" && cat "$passwd_copy" > /etc/passwd && echo edited; ' +
        'su root -c "id -u" </dev/null 2>&1 || true';
      const out = await docker('run', '--rm', '--label', 'io.tjs2i.test=1', '--user', `${randomUid()}:0`, '--entrypoint', 'bash', builder, '-c', script);
      const [setuidCount, edited, ...su] = out.split('\n');
      expect(setuidCount).to.equal('0');
      expect(edited).to.equal('edited');
      expect(su.join('\n')).to.not.match(/^0$/m);
    });

    for (const n of [1, 2]) {
      it(`serves Jupyter under random UID #${n} with group 0, with its token`, async () => {
        const builder = await familyBuilder(family);
        const uid = randomUid();
        const jupyter = await runJupyter(builder, { user: `${uid}:0` });
        try {
          await waitForJupyter(jupyter);
          const logs = await jupyter.logs();
          const token = /\?token=([0-9a-f]+)/.exec(logs)?.[1];
          expect(token, `no login URL with a token in:\n${logs}`).to.be.a('string');
          expect((await new JupyterClient(jupyter.base).request('GET', '/api/contents')).status).to.equal(403);
          const client = new JupyterClient(jupyter.base, token);
          expect((await client.request('GET', '/api/contents')).status).to.equal(200);
          expect(await jupyter.exec('id -u; echo $HOME; whoami')).to.equal(`${uid}\n/home/jovyan\njovyan`);
        } finally {
          await jupyter.stop();
        }
      });
    }
    it(onPodman('--dockerfile makes a builder with the same User, HOME, entrypoint, Cmd and health check, that serves under a random UID'), async () => {
      const rewritten = await inspectImage(await familyBuilder(family));
      const tag = uniqueName(`dockerfile-${family.name}`);
      const made = await tjs2i(['builder', 'minimal-notebook', '--from', family.standIn, '--tag', tag, '--dockerfile']);
      expect(made.code, made.stderr).to.equal(0);
      const built = await inspectImage(tag);
      expect(built.Config.User).to.equal(rewritten.Config.User);
      expect(built.Config.Entrypoint).to.deep.equal(rewritten.Config.Entrypoint);
      expect(built.Config.Cmd).to.deep.equal(rewritten.Config.Cmd);
      expect(built.Config.WorkingDir).to.equal(rewritten.Config.WorkingDir);
      expect(built.Config.Healthcheck).to.deep.equal(rewritten.Config.Healthcheck);
      expect([...built.Config.Env].sort()).to.deep.equal([...rewritten.Config.Env].sort());
      if (family.name === 'today') expect(built.Config.Healthcheck?.Test.join(' ')).to.contain('docker_healthcheck.py');
      const jupyter = await runJupyter(tag, { user: `${randomUid()}:0` });
      try {
        await waitForJupyter(jupyter);
        const token = /\?token=([0-9a-f]+)/.exec(await jupyter.logs())?.[1];
        expect((await new JupyterClient(jupyter.base, token).request('GET', '/api/contents')).status).to.equal(200);
      } finally {
        await jupyter.stop();
        await exec('docker', ['rmi', '-f', tag]);
      }
    });
  });

  it('refuses a base image that runs as root, with exit code 5 and no image', async () => {
    const tag = uniqueName('root-builder');
    const result = await tjs2i(['builder', 'minimal-notebook', '--from', DEBIAN, '--tag', tag]);
    expect(result.code).to.equal(5);
    expect(result.stderr.trim().split('\n').pop()).to.match(/^error: base image .* runs as root/);
    expect(await imageExists(tag)).to.equal(false);
    expect(await leftoverContainers()).to.deep.equal([]);
  });

  describe('a base image whose variables lead into system directories', () => {
    const base = uniqueName('system-trees-base');
    let dir: Awaited<ReturnType<typeof tempDir>>;
    before(async () => {
      dir = await tempDir('system-trees');
      // SPARK_HOME is a link, as upstream's is, but into /usr/lib; CONDA_DIR of the second image is /etc/conda.
      const dockerfile = [
        `FROM ${DEBIAN}`,
        'RUN mkdir -p /usr/lib/spark/conf /opt/conda /etc/conda /home/app && ln -s /usr/lib/spark /usr/local/spark && \\',
        "    echo 'app:x:1000:0:app:/home/app:/bin/sh' >> /etc/passwd",
        'ENV SPARK_HOME=/usr/local/spark',
        'USER 1000',
        '',
      ].join('\n');
      await writeFile(join(dir.path, 'Dockerfile'), dockerfile);
      await docker('build', '-q', '--label', TEST_LABEL, '-t', base, dir.path);
      await writeFile(join(dir.path, 'Dockerfile'), `FROM ${base}\nENV CONDA_DIR=/etc/conda\n`);
      await docker('build', '-q', '--label', TEST_LABEL, '-t', `${base}:etc`, dir.path);
    });
    after(async () => {
      await exec('docker', ['rmi', '-f', base, `${base}:etc`]);
      await dir.remove();
    });

    for (const method of ['rewrite', 'dockerfile'] as const) {
      it(`${method}: a link into /usr/lib is refused with exit 2, naming the variable, the path and where it leads; no image, no container`, async () => {
        const tag = uniqueName('system-trees');
        const before = await leftoverContainers();
        const result = await tjs2i(['builder', 'pyspark-notebook', '--from', base, '--tag', tag, ...(method === 'dockerfile' ? ['--dockerfile'] : [])]);
        expect(result.code, result.stderr).to.equal(2);
        const errors = result.stderr.split('\n').filter((line) => line.startsWith('error:'));
        expect(errors).to.deep.equal([
          'error: SPARK_HOME gives /usr/local/spark/conf, which leads to /usr/lib/spark/conf, inside the system directory /usr: a builder never makes system directories group-writable; ' +
            "set SPARK_HOME in the base image to a directory outside the system's trees (/opt, /home, /usr/local/<name>), or make the builder from another base",
        ]);
        expect(await imageExists(tag)).to.equal(false);
        expect(await leftoverContainers()).to.deep.equal(before);
      });
    }

    it('a variable that names /etc/conda is refused before anything is made (exit 2)', async () => {
      const tag = uniqueName('system-trees');
      const result = await tjs2i(['builder', 'minimal-notebook', '--from', `${base}:etc`, '--tag', tag]);
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stderr).to.include('error: CONDA_DIR gives /etc/conda, inside the system directory /etc:');
      expect(result.stderr).not.to.include('resolve /home/app');
      expect(await imageExists(tag)).to.equal(false);
    });
  });

  it('refuses an unknown stack with exit code 2', async () => {
    const result = await tjs2i(['builder', 'tensorflow-notebook']);
    expect(result.code).to.equal(2);
    expect(result.stderr.trim()).to.match(/^error: unknown stack tensorflow-notebook; choose one of: all-spark-notebook, /);
  });

  it('reports a base image that is neither here nor pullable, with exit code 4', async () => {
    const result = await tjs2i(['builder', 'scipy-notebook', '--from', '127.0.0.1:9/nothing/here:1', '--tag', uniqueName('nobase')]);
    expect(result.code).to.equal(4);
    expect(result.stderr.trim().split('\n').pop()).to.match(/^error: cannot pull 127\.0\.0\.1:9\/nothing\/here:1/);
  });
});
