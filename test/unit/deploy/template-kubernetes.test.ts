import { expect } from 'chai';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { DEFAULT_UID } from '../../../src/deploy/manifests/kubernetes-manifests.js';
import { generatePassword } from '../../../src/deploy/manifests/password.js';
import { STACKS } from '../../../src/builder/stacks.js';
import { templateDefinition, type TemplateRequest } from '../../../src/deploy/template-definition.js';
import { kubernetesErrors } from '../../support/kubernetes/kube-validate.js';
import { restrictedViolations } from '../../support/kubernetes/pod-security.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const IMAGE = 'registry.example.com/course/my-course:1';

function manifests(request: Partial<TemplateRequest> = {}): Obj[] {
  const { manifest } = templateDefinition({ stack: 'minimal-notebook', format: 'kubernetes', image: IMAGE, ...request }, () => 'Secret1234567890');
  expect(manifest).to.include({ apiVersion: 'v1', kind: 'List' });
  return (manifest as { items: Obj[] }).items;
}

describe('Kubernetes manifests', () => {
  for (const stack of STACKS) {
    for (const request of [{}, { volumeSize: '10Gi', host: 'jupyter.example.com', uid: 123456, name: 'course', memory: '3Gi' }] as Array<
      Partial<TemplateRequest>
    >) {
      const full = 'host' in request;
      describe(`${stack.name}${full ? ' with a volume, an Ingress, a UID, a name and a memory limit' : ''}`, () => {
        const items = manifests({ stack: stack.name, ...request });
        const name = request.name ?? stack.name;
        const byKind = (kind: string): Obj => items.find((o) => o.kind === kind)!;
        const deployment = byKind('Deployment');
        const pod: IPodSpec = deployment.spec.template.spec;
        const container = pod.containers[0] as IContainer;

        it('is valid for kubernetes-models, with exactly the objects asked for', () => {
          expect(items.map((o) => o.kind)).to.deep.equal([
            'Secret',
            ...(full ? ['PersistentVolumeClaim'] : []),
            'Deployment',
            'Service',
            ...(full ? ['Ingress'] : []),
          ]);
          for (const item of items) {
            expect(kubernetesErrors(item), item.kind as string).to.deep.equal([]);
            expect(item.metadata.labels).to.include({ app: name, 'app.kubernetes.io/managed-by': 'tjs2i' });
          }
        });

        it('meets the restricted Pod Security Standard under an arbitrary UID with group 0 and fsGroup 0', () => {
          expect(restrictedViolations(pod, deployment.spec.template.metadata.annotations)).to.deep.equal([]);
          expect(pod.securityContext).to.deep.include({
            runAsNonRoot: true,
            runAsUser: request.uid ?? DEFAULT_UID,
            runAsGroup: 0,
            fsGroup: 0,
            seccompProfile: { type: 'RuntimeDefault' },
          });
          expect(container.securityContext).to.deep.equal({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
          expect(pod.automountServiceAccountToken).to.equal(false);
        });

        it('runs the image given, with the password of the Secret as a file', () => {
          expect(container.image).to.equal(IMAGE);
          expect(byKind('Secret')).to.deep.include({ type: 'Opaque', stringData: { password: 'Secret1234567890' } });
          expect(byKind('Secret').metadata.name).to.equal(name);
          expect(container.env!.filter((v) => v.name.startsWith('PASSWORD'))).to.deep.equal([
            { name: 'PASSWORD_FILE', value: '/var/run/secrets/tjs2i/password' },
          ]);
          expect(pod.volumes!.find((v) => v.secret)?.secret?.secretName).to.equal(name);
          for (const item of items.filter((o) => o.kind !== 'Secret')) expect(JSON.stringify(item)).not.to.include('Secret1234567890');
          expect(container.resources?.limits?.memory).to.equal(
            request.memory ?? (stack.name === 'minimal-notebook' ? '1Gi' : container.resources?.limits?.memory),
          );
        });

        it('probes /api on 8888 and serves it through the Service', () => {
          expect(container.readinessProbe?.httpGet).to.deep.include({ path: '/api', port: '8888-tcp' });
          expect(container.livenessProbe?.httpGet).to.deep.include({ path: '/api', port: '8888-tcp' });
          expect(container.startupProbe?.httpGet).to.deep.include({ path: '/api', port: '8888-tcp' });
          const service = byKind('Service');
          expect(deployment.spec.template.metadata.labels).to.include(service.spec.selector);
          expect(deployment.spec.selector.matchLabels).to.deep.equal(service.spec.selector);
          expect(service.spec.ports[0]).to.include({ port: 8888, targetPort: '8888-tcp' });
        });

        it(full ? 'mounts the claim on work/ and routes the host through TLS' : 'has no volume on work/ and no Ingress', () => {
          const mount = container.volumeMounts!.find((m) => m.mountPath === '/home/jovyan/work');
          if (!full) {
            expect(mount).to.equal(undefined);
            return;
          }
          const claim = byKind('PersistentVolumeClaim');
          expect(claim.spec.resources.requests.storage).to.equal('10Gi');
          expect(pod.volumes!.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName).to.equal(claim.metadata.name);
          const ingress = byKind('Ingress');
          expect(ingress.spec.tls).to.deep.equal([{ hosts: ['jupyter.example.com'], secretName: 'course-tls' }]);
          expect(ingress.spec.rules[0].host).to.equal('jupyter.example.com');
          expect(ingress.spec.rules[0].http.paths[0].backend.service).to.deep.equal({ name: 'course', port: { name: '8888-tcp' } });
        });
      });
    }
  }

  it('has run mark the login cookie Secure only when the Ingress (--host) ends TLS in front of the pod', () => {
    const env = (request: Partial<TemplateRequest>) =>
      (manifests(request).find((o) => o.kind === 'Deployment')!.spec.template.spec as IPodSpec).containers[0]!.env;
    const secure = { name: 'JUPYTER_SECURE_COOKIE', value: '1' };
    expect(env({ host: 'jupyter.example.com' })).to.deep.equal([{ name: 'PASSWORD_FILE', value: '/var/run/secrets/tjs2i/password' }, secure]);
    // Without an Ingress the Service is reached over http (kubectl port-forward): a Secure cookie would not hold.
    expect(env({})).not.to.deep.include(secure);
    expect(env({ volumeSize: '1Gi', uid: 5000, name: 'course' })).not.to.deep.include(secure);
    // HSTS is the Ingress controller's (ingress-nginx sends it on TLS hosts by default): no controller-specific annotation.
    expect(manifests({ host: 'jupyter.example.com' }).find((o) => o.kind === 'Ingress')!.metadata.annotations).to.equal(undefined);
  });

  it('generates a different 16-character password each time by default', () => {
    const a = templateDefinition({ stack: 'r-notebook', format: 'kubernetes', image: IMAGE }).manifest as { items: Obj[] };
    const b = templateDefinition({ stack: 'r-notebook', format: 'kubernetes', image: IMAGE }).manifest as { items: Obj[] };
    const password = (m: { items: Obj[] }) => m.items[0]!.stringData.password as string;
    expect(password(a)).to.match(/^[a-zA-Z0-9]{16}$/);
    expect(password(a)).not.to.equal(password(b));
    expect(generatePassword(4, () => 0)).to.equal('aaaa');
    expect(generatePassword(3, (n) => n - 1)).to.equal('999');
  });
});

describe('templateDefinition: options', () => {
  const fails = (request: TemplateRequest, message: string) => {
    expect(() => templateDefinition(request))
      .to.throw(message)
      .with.property('exitCode', 2);
  };

  it('refuses an unknown stack or format (exit code 2), listing the valid ones', () => {
    fails({ stack: 'tensorflow-notebook' }, 'unknown stack tensorflow-notebook');
    expect(() => templateDefinition({ stack: 'x' }))
      .to.throw()
      .with.property('hint')
      .that.includes('minimal-notebook');
    fails({ stack: 'minimal-notebook', format: 'helm' }, 'unknown format helm');
  });

  it('needs --image for Kubernetes, and refuses Kubernetes-only options for OpenShift and the reverse', () => {
    fails({ stack: 'minimal-notebook', format: 'kubernetes' }, '--format kubernetes needs --image');
    fails({ stack: 'minimal-notebook', format: 'kubernetes', image: 'a b' }, 'not an image name');
    fails({ stack: 'minimal-notebook', image: IMAGE }, '--image is for --format kubernetes');
    fails({ stack: 'minimal-notebook', host: 'a.example.com' }, '--host is for --format kubernetes');
    fails({ stack: 'minimal-notebook', format: 'kubernetes', image: IMAGE, deploymentConfig: true }, '--deployment-config is for --format openshift');
  });

  it('refuses bad names, hosts, sizes and UIDs', () => {
    const k = { stack: 'minimal-notebook', format: 'kubernetes', image: IMAGE };
    fails({ ...k, name: 'My_Notebook' }, '--name My_Notebook');
    fails({ ...k, name: '1abc' }, '--name 1abc');
    fails({ ...k, host: 'Bad Host' }, '--host Bad Host');
    fails({ ...k, uid: 0 }, '--uid 0');
    fails({ ...k, uid: Number.NaN }, '--uid NaN');
    fails({ ...k, volumeSize: '10 GB' }, '--volume-size 10 GB');
    fails({ stack: 'minimal-notebook', memory: '0' }, '--memory 0');
    fails({ stack: 'minimal-notebook', memory: 'lots' }, '--memory lots');
  });

  it('accepts Kubernetes quantities, and gives the OpenShift parameters those defaults', () => {
    for (const memory of ['512Mi', '2Gi', '1.5G', '1e9', '1500M']) expect(() => templateDefinition({ stack: 'minimal-notebook', memory })).not.to.throw();
    const { manifest } = templateDefinition({ stack: 'scipy-notebook', memory: '6Gi', volumeSize: '20Gi' });
    const parameters = (manifest as { parameters: Array<{ name: string; value?: string }> }).parameters;
    expect(parameters.find((p) => p.name === 'MEMORY_LIMIT')?.value).to.equal('6Gi');
    expect(parameters.find((p) => p.name === 'VOLUME_SIZE')?.value).to.equal('20Gi');
    expect((manifest as { metadata: { name: string } }).metadata.name).to.equal('jupyter-scipy-notebook-persistent-app');
  });
});
