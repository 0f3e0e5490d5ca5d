/**
 * What `tjs2i template` prints: the options of the command line checked (every fault is a usage
 * error, exit 2) and turned into an OpenShift template or a Kubernetes List, serialized as JSON, or
 * Helm values for the Zero to JupyterHub chart, as commented YAML; with `builder`, the OpenShift
 * template that builds the stack's builder in the project.
 */
import { UsageError } from '../common/errors.js';
import { DEFAULT_UID, kubernetesManifests, type KubernetesList } from './manifests/kubernetes-manifests.js';
import { jupyterhubValues, type JupyterhubValues } from './manifests/jupyterhub-values.js';
import { jupyterhubValuesYaml } from './manifests/jupyterhub-values-yaml.js';
import { stackResources } from './manifests/stack-resources.js';
import { DEFAULT_VOLUME_SIZE, openshiftTemplate } from './manifests/openshift-template.js';
import { openshiftBuilderTemplate } from './manifests/openshift-builder.js';
import { tjs2iRepositoryUrl } from '../common/package-repository.js';
import type { Template } from './manifests/openshift-types.js';
import { generatePassword } from './manifests/password.js';
import { STACKS, findStack, type Stack } from '../builder/stacks.js';
import { isValidImageReference } from '../registry/image-ref.js';
import { shownInput } from '../common/message-text.js';
import { FORMATS, MAX_USERS, type TemplateFormat } from './template-formats.js';

export interface TemplateRequest {
  stack: string;
  format?: string;
  /** Every format: the memory limit (the default of MEMORY_LIMIT on OpenShift; each user's on JupyterHub). */
  memory?: string;
  /** Every format: a work volume (the default of VOLUME_SIZE on OpenShift; each user's on JupyterHub, 1Gi by default). */
  volumeSize?: string;
  /** OpenShift: a DeploymentConfig instead of a Deployment. */
  deploymentConfig?: boolean;
  /** OpenShift: the template that builds the stack's builder, instead of a notebook's. */
  builder?: boolean;
  /** Kubernetes and JupyterHub. */
  image?: string;
  uid?: number;
  /** Kubernetes only. */
  name?: string;
  host?: string;
  /** JupyterHub only: the class size, for the sizing notes. */
  users?: number;
  /** JupyterHub only: the file the values are written to, which the helm command in their header names. */
  valuesFile?: string;
}

/** A Kubernetes resource quantity (`512Mi`, `2Gi`, `1.5G`, `1e9`), as the API server parses it. */
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;
/** DNS-1035 label: what a Service name must be (and so the name of every object made). */
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** DNS-1123 subdomain: an Ingress host (lowercase; no wildcard). */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

export function findStackOrFail(name: string): Stack {
  const stack = findStack(name);
  if (!stack) throw new UsageError(`unknown stack ${name}`, `use one of ${STACKS.map((s) => s.name).join(', ')}`);
  return stack;
}

function quantity(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!QUANTITY.test(value) || Number.parseFloat(value) <= 0) {
    throw new UsageError(`${option} ${shownInput(value)}: not a Kubernetes quantity`, 'use a size such as 512Mi, 2Gi or 10G');
  }
  return value;
}

function formatOf(format: string | undefined): TemplateFormat {
  const value = format ?? 'openshift';
  if (!(FORMATS as readonly string[]).includes(value)) throw new UsageError(`unknown format ${value}`, `use --format ${FORMATS.join(' or --format ')}`);
  return value as TemplateFormat;
}

export interface TemplateDefinition {
  format: TemplateFormat;
  manifest: Template | KubernetesList | JupyterhubValues;
  /** What is written: indented JSON, or for JupyterHub the YAML with its comments. */
  text: string;
}

/** The options of a notebook's definition, by the name they have on the command line. */
const NOTEBOOK_OPTIONS = {
  memory: 'memory',
  volumeSize: 'volume-size',
  deploymentConfig: 'deployment-config',
  image: 'image',
  name: 'name',
  host: 'host',
  uid: 'uid',
  users: 'users',
};

function builderDefinition(request: TemplateRequest, format: TemplateFormat, stack: Stack): TemplateDefinition {
  if (format !== 'openshift') {
    throw new UsageError(
      '--builder is for --format openshift',
      'on Kubernetes, make the builder with tjs2i builder and build the course with tjs2i build; the manifests deploy the image it makes',
    );
  }
  const notebookOnly = (Object.keys(NOTEBOOK_OPTIONS) as (keyof typeof NOTEBOOK_OPTIONS)[]).filter(
    (key) => request[key] !== undefined && request[key] !== false,
  );
  if (notebookOnly.length > 0) {
    throw new UsageError(
      `--${NOTEBOOK_OPTIONS[notebookOnly[0]!]} is for a notebook's definition, not for --builder`,
      'the builder template takes TJS2I_REPOSITORY_URL, TJS2I_REPOSITORY_REF, UPSTREAM_IMAGE and NB_UID as parameters (oc process -p NAME=VALUE)',
    );
  }
  const manifest = openshiftBuilderTemplate(stack, { repositoryUrl: tjs2iRepositoryUrl() });
  return { format, manifest, text: serializeManifest(manifest) };
}

const IMAGE_HINT = 'build one with tjs2i build, push it to a registry the cluster pulls from, and give its name, e.g. --image registry.example.com/me/course:1';

function checkedUid(uid: number | undefined): number {
  if (uid !== undefined && (!Number.isInteger(uid) || uid < 1 || uid > 2147483647)) {
    throw new UsageError(`--uid ${String(uid)}: not a non-root UID`, 'give an integer from 1 to 2147483647');
  }
  return uid ?? DEFAULT_UID;
}

function jupyterhubDefinition(request: TemplateRequest, stack: Stack, memory: string | undefined, volumeSize: string | undefined): TemplateDefinition {
  const other = (['name', 'host', 'deploymentConfig'] as const).find((key) => request[key] !== undefined && request[key] !== false);
  if (other !== undefined) {
    throw new UsageError(
      `--${NOTEBOOK_OPTIONS[other]} is not for --format jupyterhub`,
      other === 'deploymentConfig'
        ? 'drop it: it is for --format openshift'
        : "the chart names the users' pods and serves them at the hub's address: set a host in the values (ingress.hosts, proxy.https)",
    );
  }
  if (request.image === undefined) throw new UsageError('--format jupyterhub needs --image', IMAGE_HINT);
  if (!isValidImageReference(request.image)) throw new UsageError(`--image ${shownInput(request.image)}: not an image reference`, IMAGE_HINT);
  const { users } = request;
  if (users !== undefined && (!Number.isInteger(users) || users < 1 || users > MAX_USERS)) {
    throw new UsageError(`--users ${String(users)}: not a class size`, `give the number of students, an integer from 1 to ${MAX_USERS}`);
  }
  const resources = stackResources(stack.name, memory);
  const size = volumeSize ?? DEFAULT_VOLUME_SIZE;
  const values = jupyterhubValues({ image: request.image, uid: checkedUid(request.uid), resources, volumeSize: size });
  const text = jupyterhubValuesYaml(values, {
    stack: stack.name,
    image: request.image,
    resources,
    volumeSize: size,
    ...(users !== undefined ? { users } : {}),
    ...(request.valuesFile !== undefined ? { valuesFile: request.valuesFile } : {}),
  });
  return { format: 'jupyterhub', manifest: values, text };
}

export function templateDefinition(request: TemplateRequest, password: () => string = () => generatePassword()): TemplateDefinition {
  const format = formatOf(request.format);
  const stack = findStackOrFail(request.stack);
  if (request.builder) return builderDefinition(request, format, stack);
  if (request.users !== undefined && format !== 'jupyterhub') {
    throw new UsageError('--users is for --format jupyterhub', 'it sizes a class on JupyterHub; a notebook of the other formats serves one person');
  }
  const memory = quantity('--memory', request.memory);
  const volumeSize = quantity('--volume-size', request.volumeSize);
  if (format === 'jupyterhub') return jupyterhubDefinition(request, stack, memory, volumeSize);
  if (format === 'openshift') {
    const formatsOf = { image: 'kubernetes or jupyterhub', uid: 'kubernetes or jupyterhub', name: 'kubernetes', host: 'kubernetes' } as const;
    const other = (Object.keys(formatsOf) as (keyof typeof formatsOf)[]).find((key) => request[key] !== undefined);
    if (other !== undefined) {
      throw new UsageError(
        `--${other} is for --format ${formatsOf[other]}`,
        'the OpenShift template takes APPLICATION_NAME and ROUTE_HOSTNAME as parameters (oc new-app -p NAME=VALUE) and builds its own image',
      );
    }
    const manifest = openshiftTemplate(stack, {
      ...(memory !== undefined ? { memory } : {}),
      ...(volumeSize !== undefined ? { volumeSize } : {}),
      deploymentConfig: request.deploymentConfig === true,
    });
    return { format, manifest, text: serializeManifest(manifest) };
  }
  if (request.deploymentConfig) throw new UsageError('--deployment-config is for --format openshift', 'drop it: Kubernetes has Deployments only');
  if (request.image === undefined || request.image.trim() === '' || /\s/.test(request.image)) {
    throw new UsageError(
      request.image === undefined ? '--format kubernetes needs --image' : `--image ${JSON.stringify(request.image)}: not an image name`,
      IMAGE_HINT,
    );
  }
  const name = request.name ?? stack.name;
  if (!DNS_LABEL.test(name) || name.length > 58) {
    throw new UsageError(`--name ${shownInput(name)}: not a valid object name`, 'use at most 58 lowercase letters, digits and "-", starting with a letter');
  }
  if (request.host !== undefined && !DNS_SUBDOMAIN.test(request.host)) {
    throw new UsageError(`--host ${shownInput(request.host)}: not a host name`, 'give a lowercase DNS name such as jupyter.example.com');
  }
  const manifest = kubernetesManifests(stack, {
    image: request.image,
    name,
    password: password(),
    uid: checkedUid(request.uid),
    ...(memory !== undefined ? { memory } : {}),
    ...(volumeSize !== undefined ? { volumeSize } : {}),
    ...(request.host !== undefined ? { host: request.host } : {}),
  });
  return { format, manifest, text: serializeManifest(manifest) };
}

/** The text written: indented JSON and a final newline (the committed templates' format). */
export function serializeManifest(manifest: object): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
