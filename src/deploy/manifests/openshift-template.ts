/**
 * The OpenShift template for one stack, as the original project shipped (one command gives a
 * password-protected notebook behind an HTTPS route), with its faults fixed: the password comes from
 * a Secret mounted as a file (not a plain env value), probes on Jupyter's API, edge TLS with HTTP
 * redirected and HSTS (the login cookie marked Secure), an optional persistent work volume, and a
 * Deployment (a DeploymentConfig on request, for clusters older than OpenShift 4).
 *
 * The S2I builder is the ImageStreamTag `jupyter-<stack>:latest` (BUILDER_IMAGESTREAM_TAG) of the
 * project, or of BUILDER_NAMESPACE: push the image `tjs2i builder <stack>` makes to it (pushing creates
 * the ImageStream). The template does not create that ImageStream, so it can be instantiated many
 * times in one project, and its BuildConfig rebuilds the notebook when a new builder is pushed.
 */
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { Stack } from '../../builder/stacks.js';
import { CONTAINER_NAME, PORT_NAME, SECRET_KEY, defaultMemory, notebookPodSpec, podLabels } from './notebook-pod.js';
import { JUPYTER_PORT } from '../../s2i/jupyter-port.js';
import type { BuildConfig, DeploymentConfig, IObjectMeta, ImageReference, ImageStream, Route, Template, TemplateParameter } from './openshift-types.js';

export const PASSWORD_GENERATOR = '[a-zA-Z0-9]{16}';
/**
 * The router's HSTS header on the Route (browsers then go to the host over HTTPS only, for a year).
 * No includeSubDomains: the route's host is one name, often under the cluster's shared apps domain,
 * and whether the names under it serve HTTPS is not this template's to decide. No preload either
 * (that asks browser vendors to hard-code the domain).
 */
export const HSTS_ANNOTATION = 'haproxy.router.openshift.io/hsts_header';
export const HSTS_HEADER = 'max-age=31536000';
export const DEFAULT_VOLUME_SIZE = '1Gi';

export interface OpenShiftTemplateOptions {
  /** With a size, the template has a VOLUME_SIZE parameter (this default) and a PVC on work/. */
  volumeSize?: string;
  /** apps.openshift.io/v1 DeploymentConfig instead of apps/v1 Deployment (OpenShift 3.x). */
  deploymentConfig?: boolean;
  /** The default of MEMORY_LIMIT (default: by stack). */
  memory?: string;
}

export function templateName(stack: Stack, persistent: boolean): string {
  return `jupyter-${stack.name}${persistent ? '-persistent' : ''}-app`;
}

const NAME = '${APPLICATION_NAME}';

function parameters(stack: Stack, options: OpenShiftTemplateOptions): TemplateParameter[] {
  const list: TemplateParameter[] = [
    { name: 'APPLICATION_NAME', displayName: 'Name', description: 'Identifies the resources created for this application.', required: true },
    { name: 'REPOSITORY_URL', displayName: 'Git Repository URL', description: 'Repository for your Jupyter Notebooks and data.', required: true },
    {
      name: 'USER_PASSWORD',
      displayName: 'User Password',
      description: 'User password for accessing Jupyter Notebook (kept in a Secret).',
      generate: 'expression',
      from: PASSWORD_GENERATOR,
      required: true,
    },
    {
      name: 'ROUTE_HOSTNAME',
      displayName: 'Hostname',
      description: 'Public hostname for the route. If not specified, a hostname is generated.',
      required: false,
    },
    { name: 'REPOSITORY_REF', displayName: 'Git Reference', description: 'Branch, tag or commit to build (default: the default branch).', required: false },
    { name: 'CONTEXT_DIR', displayName: 'Context Directory', description: 'Subdirectory of the repository to build (default: the top).', required: false },
    {
      name: 'MEMORY_LIMIT',
      displayName: 'Memory Limit',
      description: 'Maximum memory of the notebook container.',
      value: options.memory ?? defaultMemory(stack.name),
      required: true,
    },
  ];
  if (options.volumeSize !== undefined) {
    list.push({
      name: 'VOLUME_SIZE',
      displayName: 'Volume Size',
      description: 'Size of the persistent volume mounted on /home/jovyan/work.',
      value: options.volumeSize,
      required: true,
    });
  }
  list.push(
    {
      name: 'BUILDER_IMAGESTREAM_TAG',
      displayName: 'Builder',
      description: `S2I builder image stream tag: push the image made by "tjs2i builder ${stack.name}" to it.`,
      value: `jupyter-${stack.name}:latest`,
      required: true,
    },
    {
      name: 'BUILDER_NAMESPACE',
      displayName: 'Builder Namespace',
      description: 'Project of the builder image stream (default: this project).',
      required: false,
    },
  );
  return list;
}

const metadata = (name: string, extra: Partial<IObjectMeta> = {}): IObjectMeta => ({ name, labels: { app: NAME }, ...extra });

function imageStream(): ImageStream {
  return { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: metadata(NAME), spec: { lookupPolicy: { local: true } } };
}

function buildConfig(): BuildConfig {
  const builder: ImageReference = { kind: 'ImageStreamTag', name: '${BUILDER_IMAGESTREAM_TAG}', namespace: '${BUILDER_NAMESPACE}' };
  return {
    apiVersion: 'build.openshift.io/v1',
    kind: 'BuildConfig',
    metadata: metadata(NAME),
    spec: {
      runPolicy: 'Serial',
      // ConfigChange: the first build starts at once; ImageChange: a new builder rebuilds.
      triggers: [{ type: 'ConfigChange' }, { type: 'ImageChange', imageChange: {} }],
      source: { type: 'Git', git: { uri: '${REPOSITORY_URL}', ref: '${REPOSITORY_REF}' }, contextDir: '${CONTEXT_DIR}' },
      strategy: { type: 'Source', sourceStrategy: { from: builder } },
      output: { to: { kind: 'ImageStreamTag', name: `${NAME}:latest` } },
      successfulBuildsHistoryLimit: 3,
      failedBuildsHistoryLimit: 3,
    },
  };
}

function secret(): ISecret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: metadata(NAME), type: 'Opaque', stringData: { [SECRET_KEY]: '${USER_PASSWORD}' } };
}

function workClaim(): IPersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: metadata(`${NAME}-work`),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '${VOLUME_SIZE}' } } },
  };
}

function deployment(persistent: boolean): IDeployment {
  const labels = podLabels(NAME);
  // The image trigger sets the container's image to the ImageStreamTag's latest image (and rolls
  // out a new one after each build); until then `NAME:latest` resolves through the stream's local
  // lookup policy.
  const trigger = [
    { from: { kind: 'ImageStreamTag', name: `${NAME}:latest` }, fieldPath: `spec.template.spec.containers[?(@.name=="${CONTAINER_NAME}")].image` },
  ];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(NAME, { annotations: { 'image.openshift.io/triggers': JSON.stringify(trigger) } }),
    spec: {
      replicas: 1,
      // One notebook server per work volume: the old pod stops before the new one starts.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { deployment: NAME } },
      template: {
        metadata: { labels },
        spec: notebookPodSpec({
          name: NAME,
          image: `${NAME}:latest`,
          memory: '${MEMORY_LIMIT}',
          startupProbe: true,
          // The Route ends TLS (edge): Jupyter sees http.
          tlsInFront: true,
          ...(persistent ? { claimName: `${NAME}-work` } : {}),
        }),
      },
    },
  };
}

function deploymentConfig(persistent: boolean): DeploymentConfig {
  return {
    apiVersion: 'apps.openshift.io/v1',
    kind: 'DeploymentConfig',
    metadata: metadata(NAME),
    spec: {
      replicas: 1,
      revisionHistoryLimit: 3,
      selector: { deployment: NAME },
      strategy: { type: 'Recreate' },
      triggers: [
        { type: 'ConfigChange' },
        {
          type: 'ImageChange',
          imageChangeParams: { automatic: true, containerNames: [CONTAINER_NAME], from: { kind: 'ImageStreamTag', name: `${NAME}:latest` } },
        },
      ],
      template: {
        metadata: { labels: podLabels(NAME) },
        spec: notebookPodSpec({
          name: NAME,
          image: `${NAME}:latest`,
          memory: '${MEMORY_LIMIT}',
          // OpenShift 3.x has no startupProbe.
          startupProbe: false,
          tlsInFront: true,
          ...(persistent ? { claimName: `${NAME}-work` } : {}),
        }),
      },
    },
  };
}

function service(): IService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(NAME),
    spec: { selector: { deployment: NAME }, ports: [{ name: PORT_NAME, port: JUPYTER_PORT, targetPort: PORT_NAME, protocol: 'TCP' }] },
  };
}

function route(): Route {
  return {
    apiVersion: 'route.openshift.io/v1',
    kind: 'Route',
    metadata: metadata(NAME, { annotations: { [HSTS_ANNOTATION]: HSTS_HEADER } }),
    spec: {
      host: '${ROUTE_HOSTNAME}',
      to: { kind: 'Service', name: NAME, weight: 100 },
      port: { targetPort: PORT_NAME },
      tls: { termination: 'edge', insecureEdgeTerminationPolicy: 'Redirect' },
      wildcardPolicy: 'None',
    },
  };
}

export function openshiftTemplate(stack: Stack, options: OpenShiftTemplateOptions = {}): Template {
  const persistent = options.volumeSize !== undefined;
  const objects: object[] = [imageStream(), buildConfig(), secret()];
  if (persistent) objects.push(workClaim());
  objects.push(options.deploymentConfig ? deploymentConfig(persistent) : deployment(persistent), service(), route());
  const tags = ['instant-app', ...stack.tags.filter((t) => t !== 'builder')];
  return {
    apiVersion: 'template.openshift.io/v1',
    kind: 'Template',
    metadata: {
      name: templateName(stack, persistent),
      annotations: {
        'openshift.io/display-name': `${stack.title}${persistent ? ' (persistent)' : ''}`,
        description:
          `Jupyter (${stack.name}) with the notebooks of a Git repository, built with the S2I builder made by "tjs2i builder ${stack.name}", ` +
          `protected by a password and served over HTTPS` +
          (persistent ? '; work/ is kept on a persistent volume.' : '; work is lost when the pod is replaced (see the persistent template).'),
        iconClass: 'icon-python',
        tags: tags.join(','),
        'openshift.io/provider-display-name': 'tjs2i',
      },
    },
    message:
      'Jupyter (' +
      stack.name +
      ') is being built and deployed as ${APPLICATION_NAME}: follow the build with "oc logs -f bc/${APPLICATION_NAME}", ' +
      'then open the route ("oc get route ${APPLICATION_NAME}"). The password is in the Secret ${APPLICATION_NAME}: "oc extract secret/${APPLICATION_NAME} --to=-".',
    labels: { app: NAME, template: templateName(stack, persistent) },
    parameters: parameters(stack, options),
    objects,
  };
}
