/**
 * The notebook container and pod, shared by the OpenShift template and the Kubernetes manifests:
 * the image's `run` on port 8888, the password read from a Secret mounted as a file
 * (PASSWORD_FILE), probes on Jupyter's `/api` (it answers 200 without authentication), the work
 * volume on /home/jovyan/work (seeded by `run` on first start) and a container that cannot gain
 * privileges. Which user the pod runs as is left to the caller: OpenShift's SCC assigns it.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import { JUPYTER_PORT } from '../../s2i/jupyter-port.js';

export const PORT_NAME = `${JUPYTER_PORT}-tcp`;
export const CONTAINER_NAME = 'jupyter';
export const WORK_DIR = '/home/jovyan/work';
/** Where the Secret is mounted: PASSWORD_FILE points at the `password` key in it. */
export const SECRET_DIR = '/var/run/secrets/tjs2i';
export const SECRET_KEY = 'password';
export const PASSWORD_FILE = `${SECRET_DIR}/${SECRET_KEY}`;
/**
 * Tells `run` that HTTPS ends in front of the server: Jupyter is reached over plain http from the
 * proxy and would not mark its login cookie Secure by itself.
 */
export const SECURE_COOKIE_VARIABLE = 'JUPYTER_SECURE_COOKIE';

/** Pod labels; the Deployment, DeploymentConfig and Service select on `deployment`. */
export function podLabels(name: string): Record<string, string> {
  return { app: name, deployment: name };
}

export interface NotebookPodOptions {
  name: string;
  image: string;
  memory: string;
  /** PVC to mount on /home/jovyan/work, if any. */
  claimName?: string;
  /**
   * Whether to use a startupProbe (Kubernetes 1.18+, OpenShift 4). Without one (older clusters) the
   * liveness probe waits long enough for `run` to seed a volume and Jupyter to start.
   */
  startupProbe: boolean;
  /**
   * Whether HTTPS ends in front of the pod (the OpenShift Route, an Ingress with TLS): then the login
   * cookie is marked Secure. Never where the pod may be reached over plain http by a browser.
   */
  tlsInFront: boolean;
}

const apiProbe = (extra: Partial<IProbe>): IProbe => ({
  httpGet: { path: '/api', port: PORT_NAME, scheme: 'HTTP' },
  timeoutSeconds: 5,
  ...extra,
});

export function notebookContainer(options: NotebookPodOptions): IContainer {
  const mounts = [{ name: 'password', mountPath: SECRET_DIR, readOnly: true }];
  if (options.claimName !== undefined) mounts.push({ name: 'work', mountPath: WORK_DIR, readOnly: false });
  return {
    name: CONTAINER_NAME,
    image: options.image,
    ports: [{ name: PORT_NAME, containerPort: JUPYTER_PORT, protocol: 'TCP' }],
    env: [{ name: 'PASSWORD_FILE', value: PASSWORD_FILE }, ...(options.tlsInFront ? [{ name: SECURE_COOKIE_VARIABLE, value: '1' }] : [])],
    resources: { limits: { memory: options.memory } },
    ...(options.startupProbe
      ? {
          // `run` copies the course into an empty volume before Jupyter starts: up to 5 minutes.
          startupProbe: apiProbe({ periodSeconds: 5, failureThreshold: 60 }),
          livenessProbe: apiProbe({ periodSeconds: 30, failureThreshold: 3 }),
        }
      : { livenessProbe: apiProbe({ initialDelaySeconds: 120, periodSeconds: 30, failureThreshold: 3 }) }),
    readinessProbe: apiProbe({ periodSeconds: 10, failureThreshold: 3 }),
    volumeMounts: mounts,
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
    },
  };
}

/** The pod spec without its securityContext (the caller adds one, or leaves it to OpenShift). */
export function notebookPodSpec(options: NotebookPodOptions): IPodSpec {
  const volumes: IVolume[] = [
    // 0440: readable by the owner and the group (the pod's fsGroup, or group 0), by no one else.
    { name: 'password', secret: { secretName: options.name, defaultMode: 0o440, items: [{ key: SECRET_KEY, path: SECRET_KEY }] } },
  ];
  if (options.claimName !== undefined) volumes.push({ name: 'work', persistentVolumeClaim: { claimName: options.claimName } });
  return {
    // Jupyter runs users' code: it gets no token for the cluster's API.
    automountServiceAccountToken: false,
    containers: [notebookContainer(options)],
    volumes,
  };
}

/** Memory limits by stack: the Spark and multi-language stacks need more than minimal-notebook. */
const MEMORY: Record<string, string> = {
  'minimal-notebook': '1Gi',
  'r-notebook': '1Gi',
  'scipy-notebook': '2Gi',
  'datascience-notebook': '2Gi',
  'pyspark-notebook': '2Gi',
  'all-spark-notebook': '4Gi',
};

export function defaultMemory(stack: string): string {
  return MEMORY[stack] ?? '2Gi';
}
