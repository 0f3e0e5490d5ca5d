/**
 * Helm values for the Zero to JupyterHub chart (z2jh 4.x, KubeSpawner) that give every user of the
 * hub a server from a course image made by `tjs2i build`: the image's own command (`run`, which seeds
 * the user's volume on work/ and starts `jupyterhub-singleuser`), an arbitrary UID with group 0, a
 * pod the restricted Pod Security Standard admits, memory and CPU by stack, an idle culler. Helm
 * merges these into the chart's defaults; where a default would undo the restricted model, the value
 * says so (see `VALUE_COMMENTS`, written beside the keys in the YAML).
 */
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import { parseImageRef } from '../../registry/image-ref.js';
import { WORK_DIR } from './notebook-pod.js';
import { byteSpecification, cores, type StackResources } from './stack-resources.js';

/** The chart these values are written for, and checked against in the tests. */
export const Z2JH_CHART_REPOSITORY = 'https://hub.jupyter.org/helm-chart/';
export const Z2JH_CHART_VERSION = '4.3.2';

/** Long enough for a node's first pull of a course image (often more than 1 GB) and the seeding of work/. */
export const START_TIMEOUT_SECONDS = 600;
export const CULL_TIMEOUT_SECONDS = 3600;
export const CULL_EVERY_SECONDS = 300;

export interface ChartImage {
  name: string;
  tag: string;
  pullPolicy?: 'Always';
}

export interface JupyterhubValues {
  singleuser: {
    image: ChartImage;
    cmd: null;
    uid: number;
    fsGid: number;
    allowPrivilegeEscalation: false;
    extraPodConfig: { automountServiceAccountToken: false; securityContext: IPodSecurityContext };
    cloudMetadata: { blockWithIptables: false };
    storage: { type: 'dynamic'; capacity: string; homeMountPath: string };
    memory: { limit: string | number; guarantee: string | number };
    cpu: { limit: number; guarantee: number };
    startTimeout: number;
  };
  hub: { config: { KubeSpawner: { container_security_context: ISecurityContext } } };
  cull: { enabled: true; timeout: number; every: number };
}

export interface JupyterhubOptions {
  /** A valid image reference, as the cluster pulls it. */
  image: string;
  uid: number;
  resources: StackResources;
  /** Each user's volume on work/ (a Kubernetes quantity). */
  volumeSize: string;
}

/**
 * The image as the chart takes it: it joins `name:tag`. A digest goes in whole the same way:
 * `repo[:tag]@sha256` as the name, the hex digits as the tag. A `latest` tag moves, and KubeSpawner's
 * default pull policy (IfNotPresent) would keep a node's old copy: it is pulled at every start.
 */
export function chartImage(reference: string): ChartImage {
  const at = reference.indexOf('@');
  if (at >= 0) {
    const colon = reference.lastIndexOf(':');
    return { name: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  }
  const { repository, tag } = parseImageRef(reference);
  return { name: repository, tag, ...(tag === 'latest' ? { pullPolicy: 'Always' as const } : {}) };
}

export function jupyterhubValues(options: JupyterhubOptions): JupyterhubValues {
  const { resources } = options;
  return {
    singleuser: {
      image: chartImage(options.image),
      cmd: null,
      uid: options.uid,
      fsGid: 0,
      allowPrivilegeEscalation: false,
      extraPodConfig: {
        automountServiceAccountToken: false,
        securityContext: {
          runAsNonRoot: true,
          runAsGroup: 0,
          fsGroup: 0,
          fsGroupChangePolicy: 'OnRootMismatch',
          seccompProfile: { type: 'RuntimeDefault' },
        },
      },
      cloudMetadata: { blockWithIptables: false },
      storage: { type: 'dynamic', capacity: options.volumeSize, homeMountPath: WORK_DIR },
      memory: { limit: byteSpecification(resources.memoryLimit), guarantee: byteSpecification(resources.memoryGuarantee) },
      cpu: { limit: cores(resources.cpuLimitMillis), guarantee: cores(resources.cpuGuaranteeMillis) },
      startTimeout: START_TIMEOUT_SECONDS,
    },
    hub: {
      config: {
        KubeSpawner: {
          container_security_context: { capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        },
      },
    },
    cull: { enabled: true, timeout: CULL_TIMEOUT_SECONDS, every: CULL_EVERY_SECONDS },
  };
}

/** What the YAML says above a key (by its dotted path): why the value is what it is. */
export const VALUE_COMMENTS: Readonly<Record<string, string>> = {
  'singleuser.image': 'The course image. The chart pulls name:tag (a digest: name ends in @sha256, the tag is the hex digits).',
  'singleuser.image.pullPolicy': 'The tag latest moves: pull it at every start, not only when the node lacks it.',
  'singleuser.cmd': [
    "null deletes the chart's default command, jupyterhub-singleuser, which would bypass the image's own:",
    "the image's run seeds the user's work/ with the course, then starts jupyterhub-singleuser itself.",
  ].join('\n'),
  'singleuser.uid': [
    "Any UID works: the image's files belong to group 0. On OpenShift, set uid and fsGid to null (deleting",
    "them would bring back the chart's 1000 and 100) and drop fsGroup below: the project's SCC assigns them.",
  ].join('\n'),
  'singleuser.fsGid': "The volume's group: 0, as the image's files.",
  'singleuser.extraPodConfig': [
    "Set on the pod as they are. No token for the cluster API in pods that run users' code (the chart has no key for it).",
    'The chart has no key for the primary group either: runAsGroup 0 is set here.',
  ].join('\n'),
  'singleuser.extraPodConfig.securityContext': [
    'This replaces the securityContext KubeSpawner builds from fsGid: fsGroup is repeated here on purpose.',
    'OnRootMismatch: a large volume is not walked at every start.',
  ].join('\n'),
  'singleuser.cloudMetadata': [
    "The chart's default (true) adds a privileged init container with NET_ADMIN to every user pod, which the",
    "restricted Pod Security Standard refuses. The chart's NetworkPolicy already denies the users' pods the",
    'cloud metadata server (networkPolicy.egressAllowRules.cloudMetadataServer: false), where the cluster enforces NetworkPolicies.',
  ].join('\n'),
  'singleuser.storage': [
    "Each user's own volume (PVC claim-<user>) on work/: run copies the course into it at the first start and",
    "never overwrites it. The rest of the home directory (~/.local, settings) is the image's, reset at every start.",
  ].join('\n'),
  'singleuser.memory': "JupyterHub's units: K, M, G, T are powers of 1024 (Kubernetes' Gi is refused). The guarantee is what a node reserves.",
  'singleuser.cpu': 'Cores: the limit caps one user, the guarantee is what a node reserves.',
  'singleuser.startTimeout': "Seconds: a node's first pull of the image and the seeding of a new volume take a while.",
  'hub.config.KubeSpawner': "What the restricted Pod Security Standard asks of the user's container beyond the chart's keys.",
  cull: 'Stops servers idle for an hour (checked every 5 minutes); their volumes stay, and the hub starts a new server at the next visit.',
};
