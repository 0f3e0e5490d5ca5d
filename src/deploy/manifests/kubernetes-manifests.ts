/**
 * Plain Kubernetes manifests for a notebook image made by `tjs2i build` (pushed to a registry the
 * cluster pulls from): a Secret with a generated password, a Deployment, a Service, and optionally a
 * PersistentVolumeClaim on work/ and an Ingress with TLS (then the login cookie is marked Secure;
 * HSTS is left to the Ingress controller, which is where its settings live: ingress-nginx sends it
 * by default on TLS hosts). The pod meets the restricted Pod Security Standard: non-root under an
 * arbitrary UID with group 0 (the image's files and the seeded volume belong to group 0: fsGroup 0),
 * no privilege escalation, no capabilities, RuntimeDefault seccomp.
 */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { Stack } from '../../builder/stacks.js';
import { PORT_NAME, SECRET_KEY, defaultMemory, notebookPodSpec, podLabels } from './notebook-pod.js';
import { JUPYTER_PORT } from '../../s2i/jupyter-port.js';

/** An arbitrary UID, as OpenShift would assign: the image does not need its own (1000). */
export const DEFAULT_UID = 1000770000;

export interface KubernetesOptions {
  image: string;
  name: string;
  password: string;
  uid?: number;
  memory?: string;
  volumeSize?: string;
  /** Public host name: adds an Ingress with TLS (secret `<name>-tls`), and the login cookie is marked Secure. */
  host?: string;
}

export interface KubernetesList {
  apiVersion: 'v1';
  kind: 'List';
  items: object[];
}

export function kubernetesManifests(stack: Stack, options: KubernetesOptions): KubernetesList {
  const { name } = options;
  const labels = { app: name, 'app.kubernetes.io/name': 'jupyter', 'app.kubernetes.io/managed-by': 'tjs2i', 'tjs2i.io/stack': stack.name };
  const claimName = `${name}-work`;
  const secret: ISecret = { apiVersion: 'v1', kind: 'Secret', metadata: { name, labels }, type: 'Opaque', stringData: { [SECRET_KEY]: options.password } };
  const podSpec = notebookPodSpec({
    name,
    image: options.image,
    memory: options.memory ?? defaultMemory(stack.name),
    startupProbe: true,
    // Only the Ingress ends TLS: without one the Service is reached over http (a port-forward).
    tlsInFront: options.host !== undefined,
    ...(options.volumeSize !== undefined ? { claimName } : {}),
  });
  const deployment: IDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { deployment: name } },
      template: {
        metadata: { labels: { ...labels, ...podLabels(name) } },
        spec: {
          ...podSpec,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: options.uid ?? DEFAULT_UID,
            runAsGroup: 0,
            // The volume (and the Secret's file) belong to group 0, as the image's files do.
            fsGroup: 0,
            fsGroupChangePolicy: 'OnRootMismatch',
            seccompProfile: { type: 'RuntimeDefault' },
          },
        },
      },
    },
  };
  const service: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels },
    spec: { selector: { deployment: name }, ports: [{ name: PORT_NAME, port: JUPYTER_PORT, targetPort: PORT_NAME, protocol: 'TCP' }] },
  };
  const items: object[] = [secret];
  if (options.volumeSize !== undefined) {
    const claim: IPersistentVolumeClaim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: claimName, labels },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: options.volumeSize } } },
    };
    items.push(claim);
  }
  items.push(deployment, service);
  if (options.host !== undefined) {
    const ingress: IIngress = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, labels },
      spec: {
        tls: [{ hosts: [options.host], secretName: `${name}-tls` }],
        rules: [
          {
            host: options.host,
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: PORT_NAME } } } }] },
          },
        ],
      },
    };
    items.push(ingress);
  }
  return { apiVersion: 'v1', kind: 'List', items };
}
