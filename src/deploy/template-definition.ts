/**
 * What `tjs2i template` prints: the options of the command line checked (every fault is a usage
 * error, exit 2) and turned into an OpenShift template or a Kubernetes List, serialized as JSON; with
 * `builder`, the OpenShift template that builds the stack's builder in the project.
 */
import { UsageError } from '../common/errors.js';
import { kubernetesManifests, type KubernetesList } from './manifests/kubernetes-manifests.js';
import { openshiftTemplate } from './manifests/openshift-template.js';
import { openshiftBuilderTemplate } from './manifests/openshift-builder.js';
import { tjs2iRepositoryUrl } from '../common/package-repository.js';
import type { Template } from './manifests/openshift-types.js';
import { generatePassword } from './manifests/password.js';
import { STACKS, findStack, type Stack } from '../builder/stacks.js';

export const FORMATS = ['openshift', 'kubernetes'] as const;
export type TemplateFormat = (typeof FORMATS)[number];

export interface TemplateRequest {
  stack: string;
  format?: string;
  /** Both formats: the memory limit (the default of MEMORY_LIMIT on OpenShift). */
  memory?: string;
  /** Both formats: a work volume (the default of VOLUME_SIZE on OpenShift). */
  volumeSize?: string;
  /** OpenShift: a DeploymentConfig instead of a Deployment. */
  deploymentConfig?: boolean;
  /** OpenShift: the template that builds the stack's builder, instead of a notebook's. */
  builder?: boolean;
  /** Kubernetes only. */
  image?: string;
  name?: string;
  host?: string;
  uid?: number;
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
    throw new UsageError(`${option} ${value}: not a Kubernetes quantity`, 'use a size such as 512Mi, 2Gi or 10G');
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
  manifest: Template | KubernetesList;
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
  return { format, manifest: openshiftBuilderTemplate(stack, { repositoryUrl: tjs2iRepositoryUrl() }) };
}

export function templateDefinition(request: TemplateRequest, password: () => string = () => generatePassword()): TemplateDefinition {
  const format = formatOf(request.format);
  const stack = findStackOrFail(request.stack);
  if (request.builder) return builderDefinition(request, format, stack);
  const memory = quantity('--memory', request.memory);
  const volumeSize = quantity('--volume-size', request.volumeSize);
  if (format === 'openshift') {
    const kubernetesOnly = (['image', 'name', 'host', 'uid'] as const).filter((key) => request[key] !== undefined);
    if (kubernetesOnly.length > 0) {
      throw new UsageError(
        `--${kubernetesOnly[0]} is for --format kubernetes`,
        'the OpenShift template takes APPLICATION_NAME and ROUTE_HOSTNAME as parameters (oc new-app -p NAME=VALUE) and builds its own image',
      );
    }
    return {
      format,
      manifest: openshiftTemplate(stack, {
        ...(memory !== undefined ? { memory } : {}),
        ...(volumeSize !== undefined ? { volumeSize } : {}),
        deploymentConfig: request.deploymentConfig === true,
      }),
    };
  }
  if (request.deploymentConfig) throw new UsageError('--deployment-config is for --format openshift', 'drop it: Kubernetes has Deployments only');
  if (request.image === undefined || request.image.trim() === '' || /\s/.test(request.image)) {
    throw new UsageError(
      request.image === undefined ? '--format kubernetes needs --image' : `--image ${JSON.stringify(request.image)}: not an image name`,
      'build one with tjs2i build, push it to a registry the cluster pulls from, and give its name, e.g. --image registry.example.com/me/course:1',
    );
  }
  const name = request.name ?? stack.name;
  if (!DNS_LABEL.test(name) || name.length > 58) {
    throw new UsageError(`--name ${name}: not a valid object name`, 'use at most 58 lowercase letters, digits and "-", starting with a letter');
  }
  if (request.host !== undefined && !DNS_SUBDOMAIN.test(request.host)) {
    throw new UsageError(`--host ${request.host}: not a host name`, 'give a lowercase DNS name such as jupyter.example.com');
  }
  if (request.uid !== undefined && (!Number.isInteger(request.uid) || request.uid < 1 || request.uid > 2147483647)) {
    throw new UsageError(`--uid ${String(request.uid)}: not a non-root UID`, 'give an integer from 1 to 2147483647');
  }
  return {
    format,
    manifest: kubernetesManifests(stack, {
      image: request.image,
      name,
      password: password(),
      ...(request.uid !== undefined ? { uid: request.uid } : {}),
      ...(memory !== undefined ? { memory } : {}),
      ...(volumeSize !== undefined ? { volumeSize } : {}),
      ...(request.host !== undefined ? { host: request.host } : {}),
    }),
  };
}

/** The text written: indented JSON and a final newline (the committed templates' format). */
export function serializeManifest(manifest: object): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
