/**
 * The Zero to JupyterHub chart as Helm sees it when it installs values: its defaults (values.yaml)
 * and its schema (values.schema.yaml, JSON Schema draft-07, which Helm checks the merged values
 * against), read from the reference copy in shared/reference/zero-to-jupyterhub beside the repository
 * (`TJS2I_Z2JH_REFERENCE` names another directory), and validated with ajv.
 *
 * The schema leaves two parts of tjs2i's values free-form (`additionalProperties: true`), where a
 * misspelt key would pass: `singleuser.extraPodConfig` (fields of the user pod's spec, set by
 * KubeSpawner as they are) and `hub.config.KubeSpawner` (KubeSpawner's traits). `freeFormErrors`
 * checks those strictly, with the fields of the Kubernetes API reference (v1 PodSpec,
 * PodSecurityContext, SecurityContext) and their types with kubernetes-models.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { load } from 'js-yaml';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import { SecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { Values } from './helm-values.js';
import { anything, array, boolean, integer, object, shapeErrors, string, type Shape } from './shape.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const REFERENCE = join('shared', 'reference', 'zero-to-jupyterhub');

/** shared/ beside the repository this one was cloned from, when that is a local directory. */
function besideOrigin(): string | undefined {
  try {
    const origin = execFileSync('git', ['-C', ROOT, 'config', '--get', 'remote.origin.url'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const path = origin.startsWith('file://') ? fileURLToPath(origin) : origin;
    return isAbsolute(path) ? join(dirname(path.replace(/\/+$/, '')), REFERENCE) : undefined;
  } catch {
    return undefined; // no git, or no origin
  }
}

/**
 * Where the reference is: `TJS2I_Z2JH_REFERENCE`; else shared/ beside this repository (a work tree
 * under /work); else shared/ beside the repository this one was cloned from (CI's fresh clone in
 * /tmp: `git clone /work/main /tmp/x`).
 */
export function z2jhReferenceDir(): string {
  const fromEnv = process.env.TJS2I_Z2JH_REFERENCE;
  const candidates = fromEnv ? [fromEnv] : [join(ROOT, '..', REFERENCE), besideOrigin()].filter((dir): dir is string => dir !== undefined);
  const found = candidates.find((dir) => existsSync(join(dir, 'values.schema.yaml')));
  if (!found) {
    throw new Error(
      `the Zero to JupyterHub reference (values.yaml, values.schema.yaml) is in none of ${candidates.join(', ')}: set TJS2I_Z2JH_REFERENCE to its directory`,
    );
  }
  return found;
}

let chart: { defaults: Values; validate: ValidateFunction; readme: string } | undefined;

function loadChart(): NonNullable<typeof chart> {
  if (!chart) {
    const dir = z2jhReferenceDir();
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    // YAML anchors (&image-spec) and aliases resolve on load.
    const schema = load(read('values.schema.yaml')) as object;
    // strict: false: the schema's union types ([string, "null"]) are valid draft-07 that strict mode only frowns on.
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    chart = { defaults: load(read('values.yaml')) as Values, validate, readme: read('README') };
  }
  return chart;
}

/** The chart's default values (a fresh copy each time). */
export const chartDefaults = (): Values => structuredClone(loadChart().defaults);

/** The chart version the reference was published with (its README: "chart 4.3.2 and later"). */
export function chartVersion(): string | undefined {
  return /\bchart (\d+\.\d+\.\d+)\b/.exec(loadChart().readme)?.[1];
}

const describeError = (error: ErrorObject): string => {
  const key = (error.params as { additionalProperty?: string }).additionalProperty;
  return `${error.instancePath || '/'} ${error.message ?? error.keyword}${key !== undefined ? `: ${key}` : ''}`;
};

/** What Helm's schema check says of merged values: [] when they pass, else `instancePath message[: key]`. */
export function chartErrors(merged: Values): string[] {
  const { validate } = loadChart();
  return validate(merged) ? [] : (validate.errors ?? []).map(describeError);
}

/** A Kubernetes type checked by kubernetes-models (types and enumerations; it does not see unknown keys). */
const modelled = (Model: new (data: never) => { validate(): void }): Shape => ({
  type: 'external',
  check: (value) => {
    try {
      new Model(value as never).validate();
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  },
});

/** Both checks of one Kubernetes type: the declared fields (strict), and kubernetes-models' types. */
const both = (fields: Shape, Model: new (data: never) => { validate(): void }): Shape => ({
  type: 'external',
  check: (value) => [...shapeErrors(fields, value), ...shapeErrors(modelled(Model), value)],
});

const seccompProfile = object({ type: string({ enum: ['RuntimeDefault', 'Localhost', 'Unconfined'] }), localhostProfile: string() }, ['type']);
const appArmorProfile = object({ type: string({ enum: ['RuntimeDefault', 'Localhost', 'Unconfined'] }), localhostProfile: string() }, ['type']);

/** core/v1 PodSecurityContext. */
const podSecurityContext = object({
  appArmorProfile,
  fsGroup: integer(0),
  fsGroupChangePolicy: string({ enum: ['OnRootMismatch', 'Always'] }),
  runAsGroup: integer(0),
  runAsNonRoot: boolean,
  runAsUser: integer(0),
  seLinuxChangePolicy: string(),
  seLinuxOptions: anything,
  seccompProfile,
  supplementalGroups: array(integer(0)),
  supplementalGroupsPolicy: string({ enum: ['Merge', 'Strict'] }),
  sysctls: anything,
  windowsOptions: anything,
});

/** core/v1 SecurityContext (a container's). */
const securityContext = object({
  allowPrivilegeEscalation: boolean,
  appArmorProfile,
  capabilities: object({ add: array(string()), drop: array(string()) }),
  privileged: boolean,
  procMount: string({ enum: ['Default', 'Unmasked'] }),
  readOnlyRootFilesystem: boolean,
  runAsGroup: integer(0),
  runAsNonRoot: boolean,
  runAsUser: integer(0),
  seLinuxOptions: anything,
  seccompProfile,
  windowsOptions: anything,
});

/** core/v1 PodSpec's fields: what `extraPodConfig` may set (only securityContext is checked deeper). */
const POD_SPEC_FIELDS = [
  'activeDeadlineSeconds',
  'affinity',
  'automountServiceAccountToken',
  'containers',
  'dnsConfig',
  'dnsPolicy',
  'enableServiceLinks',
  'ephemeralContainers',
  'hostAliases',
  'hostIPC',
  'hostNetwork',
  'hostPID',
  'hostUsers',
  'hostname',
  'imagePullSecrets',
  'initContainers',
  'nodeName',
  'nodeSelector',
  'os',
  'overhead',
  'preemptionPolicy',
  'priority',
  'priorityClassName',
  'readinessGates',
  'resourceClaims',
  'resources',
  'restartPolicy',
  'runtimeClassName',
  'schedulerName',
  'schedulingGates',
  'securityContext',
  'serviceAccount',
  'serviceAccountName',
  'setHostnameAsFQDN',
  'shareProcessNamespace',
  'subdomain',
  'terminationGracePeriodSeconds',
  'tolerations',
  'topologySpreadConstraints',
  'volumes',
];

const extraPodConfig = object({
  ...Object.fromEntries(POD_SPEC_FIELDS.map((field) => [field, anything])),
  automountServiceAccountToken: boolean,
  securityContext: both(podSecurityContext, PodSecurityContext),
});

/** The KubeSpawner traits tjs2i's values set. */
const kubeSpawnerConfig = object({ container_security_context: both(securityContext, SecurityContext) });

/**
 * Errors in the free-form parts of generated values (before the merge: they are the values' own):
 * `singleuser.extraPodConfig` and `hub.config.KubeSpawner`, each `path: why`.
 */
export function freeFormErrors(values: Values): string[] {
  const singleuser = values.singleuser as Values | undefined;
  const config = (values.hub as { config?: Values } | undefined)?.config;
  return [
    ...(singleuser?.extraPodConfig !== undefined ? shapeErrors(extraPodConfig, singleuser.extraPodConfig).map((e) => `singleuser.extraPodConfig.${e}`) : []),
    ...(config?.KubeSpawner !== undefined ? shapeErrors(kubeSpawnerConfig, config.KubeSpawner).map((e) => `hub.config.KubeSpawner.${e}`) : []),
  ];
}
