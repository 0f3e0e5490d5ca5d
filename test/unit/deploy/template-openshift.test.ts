import { expect } from 'chai';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { openshiftTemplate, templateName } from '../../../src/deploy/manifests/openshift-template.js';
import { STACKS } from '../../../src/builder/stacks.js';
import { kubernetesErrors } from '../../support/kubernetes/kube-validate.js';
import { processTemplate } from '../../support/kubernetes/oc-process.js';
import { checkOpenShiftObject, checkTemplate } from '../../support/kubernetes/openshift-schema.js';
import { restrictedViolations } from '../../support/kubernetes/pod-security.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const OPENSHIFT_KINDS = ['ImageStream', 'BuildConfig', 'DeploymentConfig', 'Route'];
const REPO = 'https://github.com/jrjohansson/scientific-python-lectures.git';

/** Every `${NAME}` and `${{NAME}}` a value refers to. */
function references(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === 'string') for (const m of value.matchAll(/\$\{\{?([A-Za-z0-9_]+)\}?\}/g)) found.add(m[1]!);
  else if (Array.isArray(value)) value.forEach((v) => references(v, found));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => references(v, found));
  return found;
}

const variants = [
  { label: 'ephemeral, Deployment', options: {} },
  { label: 'persistent, Deployment', options: { volumeSize: '5Gi' } },
  { label: 'ephemeral, DeploymentConfig', options: { deploymentConfig: true } },
  { label: 'persistent, DeploymentConfig', options: { volumeSize: '5Gi', deploymentConfig: true } },
];

describe('OpenShift template', () => {
  for (const stack of STACKS) {
    for (const { label, options } of variants) {
      describe(`${stack.name} (${label})`, () => {
        const persistent = 'volumeSize' in options;
        const dc = 'deploymentConfig' in options;
        const template = openshiftTemplate(stack, options);
        const { objects, values } = processTemplate(template, { APPLICATION_NAME: 'my-notebook', REPOSITORY_URL: REPO, ROUTE_HOSTNAME: 'nb.apps.example.com' });
        const byKind = (kind: string): Obj => {
          const found = objects.filter((o) => o.kind === kind);
          expect(found, kind).to.have.length(1);
          return found[0] as Obj;
        };
        const workload = byKind(dc ? 'DeploymentConfig' : 'Deployment');
        const pod: IPodSpec = workload.spec.template.spec;
        const container = pod.containers.find((c) => c.name === 'jupyter') as IContainer;

        it('is a valid template whose parameters are exactly the ones its objects use', () => {
          expect(checkTemplate(template)).to.deep.equal([]);
          expect(template.metadata.name).to.equal(templateName(stack, persistent));
          const declared = template.parameters.map((p) => p.name);
          expect([...references(template.objects)].sort()).to.deep.equal([...declared].sort());
          // The message oc new-app prints uses only declared parameters too.
          for (const name of references(template.message)) expect(declared).to.include(name);
        });

        it("has the original parameters, the password generated from [a-zA-Z0-9]{16} (as long as the Kubernetes Secret's)", () => {
          const names = template.parameters.map((p) => p.name);
          expect(names.slice(0, 4)).to.deep.equal(['APPLICATION_NAME', 'REPOSITORY_URL', 'USER_PASSWORD', 'ROUTE_HOSTNAME']);
          expect(names).to.include.members(['REPOSITORY_REF', 'CONTEXT_DIR', 'MEMORY_LIMIT']);
          expect(names.includes('VOLUME_SIZE')).to.equal(persistent);
          const password = template.parameters.find((p) => p.name === 'USER_PASSWORD');
          expect(password).to.include({ generate: 'expression', from: '[a-zA-Z0-9]{16}', required: true });
          expect(values.USER_PASSWORD).to.match(/^[a-zA-Z0-9]{16}$/);
          expect(() => processTemplate(template, { APPLICATION_NAME: 'x' })).to.throw('REPOSITORY_URL is required');
        });

        it('processes into valid objects (Kubernetes kinds by kubernetes-models, OpenShift kinds by the field checker)', () => {
          const kinds = objects.map((o) => o.kind);
          expect(kinds).to.deep.equal([
            'ImageStream',
            'BuildConfig',
            'Secret',
            ...(persistent ? ['PersistentVolumeClaim'] : []),
            dc ? 'DeploymentConfig' : 'Deployment',
            'Service',
            'Route',
          ]);
          for (const object of objects) {
            const errors = OPENSHIFT_KINDS.includes(object.kind as string) ? checkOpenShiftObject(object) : kubernetesErrors(object);
            expect(errors, `${String(object.kind)}`).to.deep.equal([]);
            expect(JSON.stringify(object)).not.to.include('${');
            expect((object.metadata as Obj).labels).to.include({ app: 'my-notebook', template: template.metadata.name });
          }
        });

        it('keeps the password in the Secret only, and gives it to run as a file', () => {
          const secret = byKind('Secret');
          expect(secret.metadata.name).to.equal('my-notebook');
          expect(secret.stringData).to.deep.equal({ password: values.USER_PASSWORD });
          for (const object of objects.filter((o) => o.kind !== 'Secret')) expect(JSON.stringify(object)).not.to.include(values.USER_PASSWORD);
          expect(container.env!.filter((v) => v.name.startsWith('PASSWORD'))).to.deep.equal([
            { name: 'PASSWORD_FILE', value: '/var/run/secrets/tjs2i/password' },
          ]);
          const mount = container.volumeMounts!.find((m) => m.mountPath === '/var/run/secrets/tjs2i');
          const volume = pod.volumes!.find((v) => v.name === mount?.name);
          expect(mount?.readOnly).to.equal(true);
          expect(volume?.secret).to.deep.equal({ secretName: 'my-notebook', defaultMode: 0o440, items: [{ key: 'password', path: 'password' }] });
          expect(pod.automountServiceAccountToken).to.equal(false);
        });

        it("probes Jupyter's /api on port 8888", () => {
          const port = container.ports!.find((p) => p.containerPort === 8888);
          expect(port).to.deep.include({ name: '8888-tcp', protocol: 'TCP' });
          const probes = [container.readinessProbe, container.livenessProbe, ...(dc ? [] : [container.startupProbe])];
          for (const probe of probes) expect(probe?.httpGet).to.deep.include({ path: '/api', port: '8888-tcp' });
          expect(container.startupProbe === undefined).to.equal(dc);
          expect(container.resources?.limits?.memory).to.equal(template.parameters.find((p) => p.name === 'MEMORY_LIMIT')!.value);
        });

        it('builds with the Source strategy from the builder jupyter-<stack> into the ImageStream it deploys', () => {
          const imageStream = byKind('ImageStream');
          const build = byKind('BuildConfig');
          expect(imageStream.metadata.name).to.equal('my-notebook');
          expect(imageStream.spec.lookupPolicy).to.deep.equal({ local: true });
          expect(build.spec.source).to.deep.equal({ type: 'Git', git: { uri: REPO, ref: '' }, contextDir: '' });
          expect(build.spec.strategy).to.deep.equal({
            type: 'Source',
            sourceStrategy: { from: { kind: 'ImageStreamTag', name: `jupyter-${stack.name}:latest`, namespace: '' } },
          });
          expect(build.spec.output.to).to.deep.equal({ kind: 'ImageStreamTag', name: 'my-notebook:latest' });
          expect(build.spec.triggers.map((t: Obj) => t.type)).to.deep.equal(['ConfigChange', 'ImageChange']);
          const given = processTemplate(template, {
            APPLICATION_NAME: 'nb',
            REPOSITORY_URL: REPO,
            REPOSITORY_REF: 'v2',
            CONTEXT_DIR: 'lessons',
            BUILDER_NAMESPACE: 'openshift',
            MEMORY_LIMIT: '3Gi',
          }).objects;
          const givenBuild = given.find((o) => o.kind === 'BuildConfig') as Obj;
          expect(givenBuild.spec.source).to.deep.equal({ type: 'Git', git: { uri: REPO, ref: 'v2' }, contextDir: 'lessons' });
          expect(givenBuild.spec.strategy.sourceStrategy.from.namespace).to.equal('openshift');
          expect(JSON.stringify(given)).to.include('"memory":"3Gi"');
        });

        it('rolls out each new image of the ImageStream, one pod at a time', () => {
          expect(container.image).to.equal('my-notebook:latest');
          if (dc) {
            expect(workload.spec.selector).to.deep.equal({ deployment: 'my-notebook' });
            const trigger = workload.spec.triggers.find((t: Obj) => t.type === 'ImageChange');
            expect(trigger.imageChangeParams).to.deep.equal({
              automatic: true,
              containerNames: ['jupyter'],
              from: { kind: 'ImageStreamTag', name: 'my-notebook:latest' },
            });
            expect(workload.spec.triggers.map((t: Obj) => t.type)).to.include('ConfigChange');
          } else {
            expect(workload.spec.selector).to.deep.equal({ matchLabels: { deployment: 'my-notebook' } });
            const triggers = JSON.parse(workload.metadata.annotations['image.openshift.io/triggers'] as string);
            expect(triggers).to.deep.equal([
              { from: { kind: 'ImageStreamTag', name: 'my-notebook:latest' }, fieldPath: 'spec.template.spec.containers[?(@.name=="jupyter")].image' },
            ]);
          }
          expect(workload.spec.strategy.type).to.equal('Recreate');
          expect(workload.spec.replicas).to.equal(1);
          expect(workload.spec.template.metadata.labels).to.include({ deployment: 'my-notebook' });
        });

        it('serves it through a Service and a Route with edge TLS, HTTP redirected to HTTPS', () => {
          const service = byKind('Service');
          const route = byKind('Route');
          expect(service.spec.selector).to.deep.equal({ deployment: 'my-notebook' });
          expect(workload.spec.template.metadata.labels).to.include(service.spec.selector);
          expect(service.spec.ports).to.deep.equal([{ name: '8888-tcp', port: 8888, targetPort: '8888-tcp', protocol: 'TCP' }]);
          expect(route.spec.to).to.deep.equal({ kind: 'Service', name: 'my-notebook', weight: 100 });
          expect(route.spec.port).to.deep.equal({ targetPort: '8888-tcp' });
          expect(route.spec.tls).to.deep.equal({ termination: 'edge', insecureEdgeTerminationPolicy: 'Redirect' });
          expect(route.spec.host).to.equal('nb.apps.example.com');
          const generated = processTemplate(template, { APPLICATION_NAME: 'nb', REPOSITORY_URL: REPO }).objects.find((o) => o.kind === 'Route') as Obj;
          expect(generated.spec.host).to.equal('');
        });

        it('sends HSTS from the Route for a year (no includeSubDomains, no preload), and has run mark the login cookie Secure', () => {
          const route = byKind('Route');
          expect(route.metadata.annotations).to.deep.equal({ 'haproxy.router.openshift.io/hsts_header': 'max-age=31536000' });
          // The router ends TLS: Jupyter is reached over http and would not mark the cookie Secure itself.
          expect(route.spec.tls.termination).to.equal('edge');
          expect(container.env).to.deep.include({ name: 'JUPYTER_SECURE_COOKIE', value: '1' });
          expect(container.env!.map((v) => v.name)).to.deep.equal(['PASSWORD_FILE', 'JUPYTER_SECURE_COOKIE']);
        });

        it(persistent ? 'mounts a PersistentVolumeClaim of VOLUME_SIZE on /home/jovyan/work' : 'has no volume on work/', () => {
          const mount = container.volumeMounts!.find((m) => m.mountPath === '/home/jovyan/work');
          if (!persistent) {
            expect(mount).to.equal(undefined);
            expect(objects.some((o) => o.kind === 'PersistentVolumeClaim')).to.equal(false);
            return;
          }
          const claim = byKind('PersistentVolumeClaim');
          expect(claim.spec).to.deep.equal({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } });
          const volume = pod.volumes!.find((v) => v.name === mount?.name);
          expect(volume?.persistentVolumeClaim).to.deep.equal({ claimName: claim.metadata.name });
          expect(mount?.readOnly).to.equal(false);
        });

        it('leaves the UID and fsGroup to the SCC, and then meets the restricted Pod Security Standard', () => {
          expect(pod.securityContext).to.equal(undefined);
          expect(JSON.stringify(workload)).not.to.match(/runAsUser|fsGroup|runAsGroup/);
          expect(container.securityContext).to.deep.equal({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
          // What restricted-v2 adds at admission: a UID and fsGroup from the project's range, RuntimeDefault seccomp.
          const admitted: IPodSpec = { ...pod, securityContext: { runAsUser: 1000680000, fsGroup: 1000680000, seccompProfile: { type: 'RuntimeDefault' } } };
          expect(restrictedViolations(admitted)).to.deep.equal([]);
        });
      });
    }
  }
});
