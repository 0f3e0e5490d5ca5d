/**
 * A model of the user pod that Zero to JupyterHub 4.x makes from merged values, so that the tests can
 * hold it to the restricted Pod Security Standard: which chart key becomes which KubeSpawner trait
 * (z2jh's files/hub/jupyterhub_config.py), and how KubeSpawner 7 builds the pod from them (spawner.py
 * and objects.py, `make_pod`):
 * - the image is `name:tag`, pulled as `image.pullPolicy` says (KubeSpawner's default IfNotPresent);
 * - `cmd` absent or null: the container gets no args and runs the image's own command; else the
 *   command as args;
 * - the pod's securityContext is `{fsGroup: fsGid}`; the container's is `{runAsUser: uid,
 *   allowPrivilegeEscalation}`, updated by the trait `container_security_context`;
 * - without `serviceAccountName` the pod gets `automountServiceAccountToken: false`;
 * - dynamic storage: the PVC `claim-<user>` as the volume `volume-<user>` on `storage.homeMountPath`;
 * - memory as JupyterHub's ByteSpecification reads it (an integer, or K/M/G/T: anything else fails
 *   the spawn, as `1Gi` does), written to the pod in bytes; CPU as numbers;
 * - `cloudMetadata.blockWithIptables: true` prepends the privileged `block-cloud-metadata` init
 *   container (iptables, NET_ADMIN, as root);
 * - last, `extraPodConfig` sets fields of the pod spec as given: a `securityContext` there replaces
 *   the one built from `fsGid` (KubeSpawner's `update_k8s_model`).
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { Values } from './helm-values.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const UNITS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
/** What Python's float() takes (the common forms). */
const PYTHON_FLOAT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/** jupyterhub.traitlets.ByteSpecification.validate: bytes, or throws as the hub would fail the spawn. */
export function byteSpecificationBytes(value: unknown): number {
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value !== 'string') throw new Error(`${JSON.stringify(value)} is not a valid memory specification`);
  const number = value.slice(0, -1);
  const unit = UNITS[value.slice(-1)];
  if (!PYTHON_FLOAT.test(number) || unit === undefined) {
    throw new Error(`${value} is not a valid memory specification. Must be an int or a string with suffix K, M, G, T`);
  }
  return Math.trunc(Number.parseFloat(number) * unit);
}

/** The pod spec of `user`'s server. */
export function kubespawnerPod(merged: Values, user = 'student'): IPodSpec {
  const su = merged.singleuser as Obj;
  const kubeSpawner = ((merged.hub as Obj | undefined)?.config?.KubeSpawner ?? {}) as Obj;
  const resources = (guarantee: boolean) => {
    const memory = guarantee ? su.memory?.guarantee : su.memory?.limit;
    const cpu = guarantee ? su.cpu?.guarantee : su.cpu?.limit;
    return {
      ...(memory != null ? { memory: String(byteSpecificationBytes(memory)) } : {}),
      ...(cpu != null ? { cpu: String(cpu) } : {}),
    };
  };
  const volumeName = `volume-${user}`;
  const dynamic = su.storage?.type === 'dynamic';
  const cmd = su.cmd == null ? undefined : Array.isArray(su.cmd) ? (su.cmd as string[]) : [su.cmd as string];
  const notebook: IContainer = {
    name: 'notebook',
    image: `${su.image.name}:${su.image.tag}`,
    imagePullPolicy: su.image.pullPolicy ?? 'IfNotPresent',
    ...(cmd !== undefined ? { args: cmd } : {}),
    ports: [{ name: 'notebook-port', containerPort: 8888 }],
    resources: { limits: resources(false), requests: resources(true) },
    volumeMounts: dynamic ? [{ name: volumeName, mountPath: su.storage.homeMountPath }] : [],
    securityContext: {
      ...(su.uid != null ? { runAsUser: su.uid } : {}),
      ...(su.allowPrivilegeEscalation != null ? { allowPrivilegeEscalation: su.allowPrivilegeEscalation } : {}),
      ...(kubeSpawner.container_security_context ?? {}),
    },
  };
  const initContainers: IContainer[] = [];
  if (su.cloudMetadata?.blockWithIptables) {
    initContainers.push({
      name: 'block-cloud-metadata',
      image: `${su.networkTools.image.name}:${su.networkTools.image.tag}`,
      command: ['iptables', '--append', 'OUTPUT', '--protocol', 'tcp', '--destination', su.cloudMetadata.ip, '--destination-port', '80', '--jump', 'DROP'],
      securityContext: { runAsUser: 0, privileged: true, capabilities: { add: ['NET_ADMIN'] } },
    });
  }
  initContainers.push(...((su.initContainers ?? []) as IContainer[]));
  const spec: IPodSpec = {
    containers: [notebook],
    ...(initContainers.length > 0 ? { initContainers } : {}),
    securityContext: { ...(su.fsGid != null ? { fsGroup: su.fsGid } : {}), ...(kubeSpawner.pod_security_context ?? {}) },
    ...(su.serviceAccountName == null ? { automountServiceAccountToken: false } : { serviceAccountName: su.serviceAccountName }),
    volumes: dynamic ? [{ name: volumeName, persistentVolumeClaim: { claimName: `claim-${user}` } }] : [],
  };
  return { ...spec, ...((su.extraPodConfig ?? {}) as Partial<IPodSpec>) };
}
