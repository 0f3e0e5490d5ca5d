/**
 * `tjs2i template`, driven as a user would: what it prints and writes, its exit codes, and the pod of
 * its Kubernetes manifests run on the real engine the way a kubelet would run it (the UID, group 0,
 * fsGroup-0 volume, the Secret as a 0440 file, no capabilities, no privilege escalation), with the
 * probe answering and the Secret's password logging in.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { notebook, writeTree } from '../support/integration/course-fixtures.js';
import { docker, exec, randomUid, ROOT, tempDir, tjs2i, uniqueName } from '../support/integration/helpers.js';
import { familyBuilder, forEachFamily } from '../support/integration/families.js';
import { JupyterClient, runJupyter, waitForJupyter } from '../support/integration/jupyter.js';
import { removeServedContainers, serve } from '../support/integration/serving.js';
import { processTemplate } from '../support/kubernetes/oc-process.js';
import type { KubernetesList } from '../../src/deploy/manifests/kubernetes-manifests.js';
import type { Template } from '../../src/deploy/manifests/openshift-types.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

type EnvVar = { name: string; value: string };

/** The notebook container's environment in a Deployment of `tjs2i template`'s output (an OpenShift Template is processed first). */
function deploymentEnv(output: string): EnvVar[] {
  const parsed = JSON.parse(output) as Template | KubernetesList;
  const objects = (
    parsed.kind === 'Template' ? processTemplate(parsed, { APPLICATION_NAME: 'nb', REPOSITORY_URL: 'https://example.com/c.git' }).objects : parsed.items
  ) as Obj[];
  return objects.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env as EnvVar[];
}

/** The login cookie (`username-<host>-<port>`) among a login answer's Set-Cookie lines. */
function loginCookie(client: JupyterClient): string {
  const cookie = client.loginSetCookies.find((c) => c.startsWith('username-'));
  expect(cookie, client.loginSetCookies.join('\n')).to.be.a('string');
  return cookie!;
}

/** The `Secure` attribute of a Set-Cookie line. */
const SECURE = /;\s*secure\s*(;|$)/i;

describe('template: OpenShift templates and Kubernetes manifests (real CLI; the pod on the real engine)', function () {
  this.timeout(300_000);
  after(removeServedContainers);
  forEachFamily((family) => {
    it('prints the committed OpenShift template of the stack, and its persistent variant with --volume-size', async () => {
      const plain = await tjs2i(['template', 'minimal-notebook']);
      expect(plain.code, plain.stderr).to.equal(0);
      expect(plain.stdout).to.equal(await readFile(join(ROOT, 'openshift-templates/minimal-notebook.json'), 'utf8'));
      const persistent = await tjs2i(['template', 'scipy-notebook', '--format', 'openshift', '--volume-size', '1Gi']);
      expect(persistent.code, persistent.stderr).to.equal(0);
      expect(persistent.stdout).to.equal(await readFile(join(ROOT, 'openshift-templates/scipy-notebook-persistent.json'), 'utf8'));
      const dc = JSON.parse((await tjs2i(['template', 'r-notebook', '--deployment-config'])).stdout) as Obj;
      expect(dc.objects.map((o: Obj) => o.kind))
        .to.include('DeploymentConfig')
        .and.not.include('Deployment');
      const json = await tjs2i(['template', 'r-notebook', '--json']);
      expect(json.stdout.trim().split('\n')).to.have.length(1);
      expect(JSON.parse(json.stdout).kind).to.equal('Template');
    });

    it('writes --output atomically, replacing the file, and says where on stderr', async () => {
      const dir = await tempDir('template');
      try {
        const file = join(dir.path, 'nb.json');
        await writeFile(file, 'old');
        const result = await tjs2i([
          'template',
          'pyspark-notebook',
          '--format',
          'kubernetes',
          '--image',
          'registry.example.com/c:1',
          '--name',
          'course',
          '--output',
          file,
        ]);
        expect(result.code, result.stderr).to.equal(0);
        expect(result.stdout).to.equal('');
        expect(result.stderr).to.include(`wrote kubernetes definition to ${file}`).and.include('kubectl get secret course');
        const list = JSON.parse(await readFile(file, 'utf8')) as Obj;
        expect(list.kind).to.equal('List');
        expect(list.items.map((o: Obj) => o.kind)).to.deep.equal(['Secret', 'Deployment', 'Service']);
        expect(result.stderr).not.to.include(list.items[0].stringData.password);
        expect(((await stat(file)).mode & 0o777).toString(8), 'the file holds a password').to.equal('600');
        expect(await readdir(dir.path)).to.deep.equal(['nb.json']);
        const json = await tjs2i(['template', 'pyspark-notebook', '--output', file, '--json']);
        expect(JSON.parse(json.stdout)).to.deep.equal({ ok: true, format: 'openshift', output: file });
      } finally {
        await dir.remove();
      }
    });

    it('never prints the Kubernetes manifest (it holds the password) onto a terminal', async () => {
      // script(1) gives the CLI a pseudo-terminal as stdout, as an interactive shell would.
      const command = `${process.execPath} ${join(ROOT, 'bin', 'tjs2i')} template minimal-notebook --format kubernetes --image registry.example.com/c:1`;
      const result = await exec('script', ['-qec', command, '/dev/null']);
      expect(result.code).to.equal(2);
      expect(result.stdout).to.include('error: the Kubernetes manifest holds the password Secret and stdout is a terminal');
      expect(result.stdout).not.to.include('"password"');
    });

    for (const [args, message] of [
      [['template', 'tensorflow-notebook'], 'error: unknown stack tensorflow-notebook; use one of all-spark-notebook,'],
      [['template', 'minimal-notebook', '--format', 'yaml'], 'error: unknown format yaml'],
      [['template', 'minimal-notebook', '--format', 'kubernetes'], 'error: --format kubernetes needs --image'],
      [['template', 'minimal-notebook', '--image', 'x'], 'error: --image is for --format kubernetes'],
      [['template', 'minimal-notebook', '--output', '/nonexistent-dir/x.json'], 'error: cannot write /nonexistent-dir/x.json: ENOENT'],
    ] as Array<[string[], string]>) {
      it(`exits 2 with one error line: ${args.slice(1).join(' ')}`, async () => {
        const result = await tjs2i(args);
        expect(result.code).to.equal(2);
        expect(result.stdout).to.equal('');
        expect(result.stderr.trim().split('\n')).to.have.length(1);
        expect(result.stderr).to.include(message);
      });
    }

    it("the Kubernetes pod runs as a kubelet would run it: probe answers, the Secret's password logs in, work/ is seeded", async () => {
      const builder = await familyBuilder(family);
      const dir = await tempDir('k8scourse');
      const image = uniqueName('k8scourse');
      const volume = uniqueName('k8swork');
      let id: string | undefined;
      try {
        await writeTree(dir.path, { '01-intro.ipynb': notebook('Introduction'), 'lessons/02.ipynb': notebook('Two') });
        const built = await tjs2i(['build', dir.path, builder, image, '--copy']);
        expect(built.code, built.stderr).to.equal(0);
        const generated = await tjs2i(['template', 'minimal-notebook', '--format', 'kubernetes', '--image', image, '--name', 'course', '--volume-size', '1Gi']);
        expect(generated.code, generated.stderr).to.equal(0);
        const items = (JSON.parse(generated.stdout) as Obj).items as Obj[];
        const secret = items.find((o) => o.kind === 'Secret')!;
        const pod = items.find((o) => o.kind === 'Deployment')!.spec.template.spec as Obj;
        const container = pod.containers[0] as Obj;
        const podContext = pod.securityContext as Obj;
        const password = secret.stringData.password as string;

        // The pod spec, translated to the engine's terms.
        expect(podContext.seccompProfile.type).to.equal('RuntimeDefault'); // the engine's default profile
        const args = ['create', '--label', 'io.tjs2i.test=1', '-p', '127.0.0.1::8888'];
        args.push('--user', `${podContext.runAsUser}:${podContext.runAsGroup}`, '--group-add', String(podContext.fsGroup));
        if (container.securityContext.capabilities.drop.includes('ALL')) args.push('--cap-drop', 'ALL');
        if (container.securityContext.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
        args.push('--memory', String(container.resources.limits.memory).replace(/Gi$/, 'g').replace(/Mi$/, 'm'));
        for (const variable of container.env as Array<{ name: string; value: string }>) args.push('-e', `${variable.name}=${variable.value}`);
        const workMount = (container.volumeMounts as Obj[]).find((m) => pod.volumes.find((v: Obj) => v.name === m.name)?.persistentVolumeClaim);
        await docker('volume', 'create', '--label', 'io.tjs2i.test=1', volume);
        // What the kubelet does to an fsGroup-0 volume: group 0, group-writable, set-group-ID.
        await docker(
          'run',
          '--rm',
          '--label',
          'io.tjs2i.test=1',
          '--user',
          '0:0',
          '--mount',
          `type=volume,src=${volume},dst=/v,volume-nocopy`,
          '--entrypoint',
          'bash',
          image,
          '-c',
          'chgrp 0 /v && chmod 2775 /v',
        );
        args.push('--mount', `type=volume,src=${volume},dst=${workMount!.mountPath},volume-nocopy`, image);
        id = (await docker(...args)).trim();

        // The Secret as the kubelet mounts it: root-owned, group fsGroup, mode defaultMode.
        const secretMount = (container.volumeMounts as Obj[]).find((m) => pod.volumes.find((v: Obj) => v.name === m.name)?.secret);
        const secretVolume = (pod.volumes as Obj[]).find((v) => v.name === secretMount!.name)!.secret as Obj;
        const staging = join(dir.path, 'secret-root');
        const target = join(staging, secretMount!.mountPath.replace(/^\/var\/run\//, ''));
        await mkdir(target, { recursive: true });
        await writeFile(join(target, secretVolume.items[0].path), password, { mode: secretVolume.defaultMode });
        expect(secretMount!.mountPath.startsWith('/var/run/')).to.equal(true);
        await docker('cp', `${staging}/.`, `${id}:/run/`);
        await docker('start', id);

        const port = Number((await docker('port', id, '8888/tcp')).split('\n')[0]?.split(':').pop());
        const running = {
          id,
          port,
          base: `http://127.0.0.1:${port}`,
          logs: async () => (await exec('docker', ['logs', id!])).stderr,
          exec: (c: string) => docker('exec', id!, 'bash', '-c', c),
          stop: async () => undefined,
        };
        await waitForJupyter(running);
        const probe = container.readinessProbe.httpGet as Obj;
        expect(probe.port).to.equal(container.ports[0].name);
        expect((await fetch(`${running.base}${probe.path}`)).status).to.equal(200);
        const client = new JupyterClient(running.base);
        expect((await client.request('GET', '/api/contents/work')).status).to.equal(403);
        expect(await client.login('wrong-password')).to.equal(false);
        expect(await client.login(password)).to.equal(true);
        expect(await client.listWork()).to.include.members(['01-intro.ipynb', 'lessons']);
        expect(await running.exec('id -u; id -g')).to.equal(`${podContext.runAsUser}\n0`);
        expect(await running.exec('stat -c "%g %A" /home/jovyan/work/01-intro.ipynb')).to.equal('0 -rw-rw-r--');
        expect(await running.exec('cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n" | grep -c -a "^PASSWORD=" || true')).to.equal('0');
        expect(await running.logs()).not.to.include(password);
      } finally {
        if (id) await exec('docker', ['rm', '-f', id]);
        await exec('docker', ['volume', 'rm', '-f', volume]);
        await exec('docker', ['rmi', '-f', image]);
        await dir.remove();
      }
    });

    it("marks the login cookie Secure where the deployments end TLS in front (Route, Ingress), not without an Ingress nor under tjs2i run's http://127.0.0.1", async () => {
      const builder = await familyBuilder(family);
      const dir = await tempDir('tlscourse');
      const image = uniqueName('tlscourse');
      const password = `pw-${randomBytes(8).toString('hex')}`;
      try {
        await writeTree(dir.path, { '01-intro.ipynb': notebook('Introduction') });
        const built = await tjs2i(['build', dir.path, builder, image, '--copy']);
        expect(built.code, built.stderr).to.equal(0);
        const k8s = ['template', 'minimal-notebook', '--format', 'kubernetes', '--image', image];
        const behindRoute = deploymentEnv((await tjs2i(['template', 'minimal-notebook'])).stdout);
        const behindIngress = deploymentEnv((await tjs2i([...k8s, '--host', 'jupyter.example.com'])).stdout);
        const noIngress = deploymentEnv((await tjs2i(k8s)).stdout);
        expect(behindIngress, 'the Ingress ends TLS as the Route does').to.deep.equal(behindRoute);

        for (const [where, env, secure] of [
          ['behind the Route or the Ingress', behindRoute, true],
          ['without an Ingress (reached over http)', noIngress, false],
        ] as Array<[string, EnvVar[], boolean]>) {
          // The deployment's environment, but the password as PASSWORD: no Secret is mounted here.
          const variables = Object.fromEntries(env.filter((v) => v.name !== 'PASSWORD_FILE').map((v) => [v.name, v.value]));
          const jupyter = await runJupyter(image, { user: `${randomUid()}:0`, password, env: variables });
          try {
            await waitForJupyter(jupyter);
            const client = new JupyterClient(jupyter.base);
            expect(await client.login(password), where).to.equal(true);
            if (secure) expect(loginCookie(client), where).to.match(SECURE);
            else expect(loginCookie(client), where).not.to.match(SECURE);
            // The proxy talks plain http to the pod and passes the cookie on: it still logs in.
            expect(await client.listWork(), where).to.include('01-intro.ipynb');
            const logs = await jupyter.logs();
            expect(logs.includes('run: the login cookie is marked Secure'), logs).to.equal(secure);
            expect(logs).not.to.match(/\[W [^\]]*\] .*(cookie_options|secure_cookie)/);
          } finally {
            await jupyter.stop();
          }
        }

        // tjs2i run serves http://127.0.0.1: its login cookie is not Secure, so any client keeps it.
        const run = await serve(['run', image, '-e', 'PASSWORD', '--user', `${randomUid()}:0`], { PASSWORD: password });
        const line = await run.firstLine();
        const base = /^open (http:\/\/127\.0\.0\.1:\d+)\/\S* \(password required\)$/.exec(line)?.[1];
        expect(base, line).to.be.a('string');
        const client = new JupyterClient(base!);
        expect(await client.login(password)).to.equal(true);
        expect(loginCookie(client)).not.to.match(SECURE);
        expect(await client.listWork()).to.include('01-intro.ipynb');
        expect(run.stderr()).not.to.include('marked Secure');
        expect(await run.interrupt(), run.stderr()).to.equal(0);
      } finally {
        await removeServedContainers();
        await exec('docker', ['rmi', '-f', image]);
        await dir.remove();
      }
    });
  });
});
