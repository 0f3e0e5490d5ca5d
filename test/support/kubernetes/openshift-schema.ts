/**
 * A field checker for the OpenShift kinds in tjs2i's templates, written from the OpenShift API
 * reference (OpenShift Container Platform 4 documentation, "API reference": Template
 * [template.openshift.io/v1], ImageStream [image.openshift.io/v1], BuildConfig [build.openshift.io/v1],
 * DeploymentConfig [apps.openshift.io/v1], Route [route.openshift.io/v1]; the same names as the Go
 * types in github.com/openshift/api). No maintained JSON-schema package for these kinds exists on npm
 * (the kubernetes-models family has none for OpenShift), so this one is strict: every field must be
 * one the reference names (a misspelt field is an error, as kubectl's strict field validation would
 * make it), of the right type, with an allowed value for enumerations. Only the parts of each kind
 * that templates use are declared; anything else is reported as unknown. A pod template inside a
 * DeploymentConfig is checked with kubernetes-models (the same PodTemplateSpec as Kubernetes).
 */
import { PodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { anything, array, boolean, integer, map, object, shapeErrors, string, type Shape } from './shape.js';

/** DNS-1123 subdomain: the names of most objects. */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** ObjectMeta as a template's objects carry it (metadata.name, .namespace, .labels, .annotations). */
const metadata = object({ name: string(), namespace: string(), labels: map(string()), annotations: map(string()), generateName: string() });
/** The same, with a valid name: what the API server gets after processing. */
const namedMetadata = object({ name: string({ pattern: DNS_SUBDOMAIN }), namespace: string(), labels: map(string()), annotations: map(string()) }, ['name']);

/** core/v1 ObjectReference; for images (BuildConfig, DeploymentConfig) kind is one of three. */
const imageReference = object(
  {
    kind: string({ enum: ['ImageStreamTag', 'DockerImage', 'ImageStreamImage'] }),
    name: string(),
    namespace: string(),
    apiVersion: string(),
    uid: string(),
    resourceVersion: string(),
    fieldPath: string(),
  },
  ['kind', 'name'],
);
const localReference = object({ name: string() }, ['name']);
const envVar = object({ name: string(), value: string() }, ['name']);

const podTemplateSpec: Shape = {
  type: 'external',
  check: (value) => {
    try {
      new PodTemplateSpec(value as ConstructorParameters<typeof PodTemplateSpec>[0]).validate();
      return [];
    } catch (error) {
      return [`pod template: ${(error as Error).message}`];
    }
  },
};

/** Template [template.openshift.io/v1]: .objects (required), .parameters[], .labels, .message. */
const templateParameter = object(
  {
    name: string({ pattern: /^[a-zA-Z0-9_]+$/ }),
    displayName: string(),
    description: string(),
    value: string(),
    // .parameters[].generate: "expression" is the only generator.
    generate: string({ enum: ['expression'] }),
    from: string(),
    required: boolean,
  },
  ['name'],
);
const template = (objects: Shape) =>
  object(
    {
      apiVersion: string({ enum: ['template.openshift.io/v1'] }),
      kind: string({ enum: ['Template'] }),
      metadata,
      message: string(),
      labels: map(string()),
      parameters: array(templateParameter),
      objects: array(objects),
    },
    ['apiVersion', 'kind', 'metadata', 'objects'],
  );

/** ImageStream [image.openshift.io/v1]: .spec.lookupPolicy.local (required in lookupPolicy), .spec.tags[]. */
const tagReference = object(
  {
    name: string(),
    annotations: map(string()),
    from: imageReference,
    reference: boolean,
    importPolicy: object({ insecure: boolean, scheduled: boolean, importMode: string({ enum: ['Legacy', 'PreserveOriginal'] }) }),
    referencePolicy: object({ type: string({ enum: ['Source', 'Local'] }) }, ['type']),
  },
  ['name'],
);
const imageStreamSpec = object({ lookupPolicy: object({ local: boolean }, ['local']), dockerImageRepository: string(), tags: array(tagReference) });

/** BuildConfig [build.openshift.io/v1]: .spec.triggers[] (BuildTriggerPolicy), .spec.source, .spec.strategy (required), .spec.output. */
const webHook = object({ secret: string(), allowEnv: boolean, secretReference: object({ name: string() }, ['name']) });
const buildTrigger = object(
  {
    type: string({ enum: ['GitHub', 'Generic', 'GitLab', 'Bitbucket', 'ImageChange', 'ConfigChange'] }),
    github: webHook,
    generic: webHook,
    gitlab: webHook,
    bitbucket: webHook,
    // .spec.triggers[].imageChange: without `from`, the strategy's image.
    imageChange: object({ from: imageReference, lastTriggeredImageID: string(), paused: boolean }),
  },
  ['type'],
);
const buildSource = object(
  {
    type: string({ enum: ['Git', 'Dockerfile', 'Binary', 'Image', 'None'] }),
    git: object({ uri: string(), ref: string(), httpProxy: string(), httpsProxy: string(), noProxy: string() }, ['uri']),
    contextDir: string(),
    dockerfile: string(),
    sourceSecret: localReference,
  },
  ['type'],
);
const buildStrategy = object(
  {
    type: string({ enum: ['Docker', 'Source', 'Custom', 'JenkinsPipeline'] }),
    sourceStrategy: object(
      { from: imageReference, pullSecret: localReference, env: array(envVar), scripts: string(), incremental: boolean, forcePull: boolean },
      ['from'],
    ),
    // .spec.strategy.dockerStrategy: `from` replaces the Dockerfile's last FROM; buildArgs are --build-arg.
    dockerStrategy: object({
      from: imageReference,
      pullSecret: localReference,
      noCache: boolean,
      env: array(envVar),
      forcePull: boolean,
      dockerfilePath: string(),
      buildArgs: array(envVar),
      imageOptimizationPolicy: string({ enum: ['NoLayers', 'SkipLayers', 'SkipLayersAndWarn'] }),
    }),
  },
  ['type'],
);
const buildConfigSpec = object(
  {
    triggers: array(buildTrigger),
    runPolicy: string({ enum: ['Serial', 'Parallel', 'SerialLatestOnly'] }),
    serviceAccount: string(),
    source: buildSource,
    strategy: buildStrategy,
    output: object({ to: imageReference, pushSecret: localReference, imageLabels: array(object({ name: string(), value: string() }, ['name'])) }),
    resources: object({ limits: map(string()), requests: map(string()) }),
    completionDeadlineSeconds: integer(1),
    nodeSelector: map(string()),
    successfulBuildsHistoryLimit: integer(0),
    failedBuildsHistoryLimit: integer(0),
  },
  ['strategy', 'triggers'],
);

/** DeploymentConfig [apps.openshift.io/v1]: .spec.selector is a label map; .spec.triggers[]; .spec.strategy.type. */
const deploymentTrigger = object(
  {
    type: string({ enum: ['ConfigChange', 'ImageChange'] }),
    imageChangeParams: object({ automatic: boolean, containerNames: array(string()), from: imageReference, lastTriggeredImage: string() }, ['from']),
  },
  ['type'],
);
const deploymentConfigSpec = object(
  {
    replicas: integer(0),
    revisionHistoryLimit: integer(0),
    minReadySeconds: integer(0),
    paused: boolean,
    test: boolean,
    selector: map(string()),
    strategy: object({ type: string({ enum: ['Recreate', 'Rolling', 'Custom'] }), activeDeadlineSeconds: integer(1) }),
    triggers: array(deploymentTrigger),
    template: podTemplateSpec,
  },
  ['strategy', 'triggers', 'replicas', 'template'],
);

/** Route [route.openshift.io/v1]: .spec.to (required: kind, name), .spec.port.targetPort, .spec.tls.termination (required). */
const routeSpec = object(
  {
    host: string(),
    subdomain: string(),
    path: string(),
    to: object({ kind: string({ enum: ['Service', ''] }), name: string(), weight: integer(0) }, ['kind', 'name']),
    alternateBackends: array(object({ kind: string({ enum: ['Service', ''] }), name: string(), weight: integer(0) }, ['kind', 'name'])),
    port: object({ targetPort: { type: 'intOrString' } }, ['targetPort']),
    tls: object(
      {
        termination: string({ enum: ['edge', 'passthrough', 'reencrypt'] }),
        insecureEdgeTerminationPolicy: string({ enum: ['Allow', 'Disable', 'Redirect', 'None', ''] }),
        certificate: string(),
        key: string(),
        caCertificate: string(),
        destinationCACertificate: string(),
      },
      ['termination'],
    ),
    wildcardPolicy: string({ enum: ['None', 'Subdomain'] }),
  },
  ['to'],
);

const kind = (apiVersion: string, name: string, spec: Shape, meta: Shape, specRequired = true) =>
  object({ apiVersion: string({ enum: [apiVersion] }), kind: string({ enum: [name] }), metadata: meta, spec }, [
    'apiVersion',
    'kind',
    'metadata',
    ...(specRequired ? ['spec'] : []),
  ]);

const kinds = (meta: Shape): Record<string, Shape> => ({
  ImageStream: kind('image.openshift.io/v1', 'ImageStream', imageStreamSpec, meta, false),
  BuildConfig: kind('build.openshift.io/v1', 'BuildConfig', buildConfigSpec, meta),
  DeploymentConfig: kind('apps.openshift.io/v1', 'DeploymentConfig', deploymentConfigSpec, meta),
  Route: kind('route.openshift.io/v1', 'Route', routeSpec, meta),
});

export const OPENSHIFT_KINDS = Object.keys(kinds(metadata));

/** Errors in an OpenShift object (ImageStream, BuildConfig, DeploymentConfig, Route), [] when valid. */
export function checkOpenShiftObject(value: unknown, options: { processed: boolean } = { processed: true }): string[] {
  const kindName = (value as { kind?: unknown } | null)?.kind;
  const shape = typeof kindName === 'string' ? kinds(options.processed ? namedMetadata : metadata)[kindName] : undefined;
  if (!shape) return [`kind ${JSON.stringify(kindName)} is not an OpenShift kind this checker knows`];
  return shapeErrors(shape, value);
}

/** Errors in a Template itself (its parameters and envelope; objects are checked after processing). */
export function checkTemplate(value: unknown): string[] {
  return shapeErrors(template(map(anything)), value);
}
