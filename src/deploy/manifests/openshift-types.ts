/**
 * The OpenShift kinds the templates use, with the field names of the OpenShift API reference
 * (template.openshift.io/v1 Template, image.openshift.io/v1 ImageStream, build.openshift.io/v1
 * BuildConfig, apps.openshift.io/v1 DeploymentConfig, route.openshift.io/v1 Route). Only the fields
 * tjs2i writes are declared, so that a misspelt field is a compile error; the tests check the
 * generated objects against a field checker written from the same reference.
 */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';

export type IObjectMeta = NonNullable<IDeployment['metadata']>;

/** core/v1 ObjectReference as OpenShift uses it to name an image: kind, name, namespace. */
export interface ImageReference {
  kind: 'ImageStreamTag' | 'DockerImage' | 'ImageStreamImage';
  name: string;
  namespace?: string;
}

/** Template.parameters[]: oc process substitutes `${NAME}` (and `${{NAME}}` for non-strings). */
export interface TemplateParameter {
  name: string;
  displayName?: string;
  description?: string;
  value?: string;
  /** The only generator: `expression`, from the regular-expression-like `from`. */
  generate?: 'expression';
  from?: string;
  required?: boolean;
}

export interface Template {
  apiVersion: 'template.openshift.io/v1';
  kind: 'Template';
  metadata: IObjectMeta;
  message?: string;
  labels?: Record<string, string>;
  parameters: TemplateParameter[];
  objects: object[];
}

/** ImageStream.spec.tags[] (TagReference): a tag that imports the image `from` names. */
export interface TagReference {
  name: string;
  from?: ImageReference;
  /** scheduled: the image is imported again periodically (the cluster sets how often), so a new upstream push shows. */
  importPolicy?: { scheduled?: boolean; insecure?: boolean };
}

export interface ImageStream {
  apiVersion: 'image.openshift.io/v1';
  kind: 'ImageStream';
  metadata: IObjectMeta;
  spec: {
    /** lookupPolicy.local: pods in the namespace may name the stream's tags (`name:tag`) as images. */
    lookupPolicy?: { local: boolean };
    tags?: TagReference[];
  };
}

export interface BuildTriggerPolicy {
  type: 'ConfigChange' | 'ImageChange' | 'GitHub' | 'Generic' | 'GitLab' | 'Bitbucket';
  /** ImageChange without `from`: the strategy's builder image. */
  imageChange?: { from?: ImageReference };
}

/** BuildStrategy: S2I from a builder image, or a Dockerfile build whose last FROM `from` replaces. */
export type BuildStrategy =
  | { type: 'Source'; sourceStrategy: { from: ImageReference; forcePull?: boolean; incremental?: boolean } }
  | { type: 'Docker'; dockerStrategy: { from?: ImageReference; buildArgs?: { name: string; value: string }[]; dockerfilePath?: string } };

export interface BuildConfig {
  apiVersion: 'build.openshift.io/v1';
  kind: 'BuildConfig';
  metadata: IObjectMeta;
  spec: {
    runPolicy?: 'Serial' | 'Parallel' | 'SerialLatestOnly';
    triggers: BuildTriggerPolicy[];
    source: { type: 'Git'; git: { uri: string; ref?: string }; contextDir?: string };
    strategy: BuildStrategy;
    output: { to: ImageReference };
    successfulBuildsHistoryLimit?: number;
    failedBuildsHistoryLimit?: number;
  };
}

export interface DeploymentTriggerPolicy {
  type: 'ConfigChange' | 'ImageChange';
  imageChangeParams?: { automatic: boolean; containerNames: string[]; from: ImageReference };
}

export interface DeploymentConfig {
  apiVersion: 'apps.openshift.io/v1';
  kind: 'DeploymentConfig';
  metadata: IObjectMeta;
  spec: {
    replicas: number;
    revisionHistoryLimit?: number;
    /** A plain label map (not a LabelSelector, unlike apps/v1 Deployment). */
    selector: Record<string, string>;
    strategy: { type: 'Recreate' | 'Rolling' };
    triggers: DeploymentTriggerPolicy[];
    template: IPodTemplateSpec;
  };
}

export interface Route {
  apiVersion: 'route.openshift.io/v1';
  kind: 'Route';
  metadata: IObjectMeta;
  spec: {
    /** Empty: the router generates a host name. */
    host?: string;
    to: { kind: 'Service'; name: string; weight?: number };
    port?: { targetPort: string | number };
    tls?: {
      termination: 'edge' | 'passthrough' | 'reencrypt';
      insecureEdgeTerminationPolicy?: 'Allow' | 'Disable' | 'Redirect' | 'None';
    };
    wildcardPolicy?: 'None' | 'Subdomain';
  };
}
