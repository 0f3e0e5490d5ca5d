/**
 * The OpenShift template that builds a stack's S2I builder in the project, as the original project's
 * `oc new-build <repo> --context-dir=<stack>` did, and keeps it current: the upstream stack is imported
 * on a schedule, a new upstream image rebuilds the builder, and a new builder rebuilds every notebook
 * made with the course template (whose BuildConfig has an ImageChange trigger on the same tag).
 *
 * The build is a Docker-strategy build of `stacks/<stack>/` of the tjs2i repository (its Dockerfile
 * and S2I scripts). `dockerStrategy.from` replaces the Dockerfile's FROM with the upstream
 * ImageStreamTag, which is what lets the ImageChange trigger follow the upstream image. It needs
 * Docker builds to be allowed in the project (the system:build-strategy-docker role); where they are
 * not, push the image `tjs2i builder <stack>` makes instead (see openshift-template.ts).
 */
import type { Stack } from '../../builder/stacks.js';
import { STACKS_DIR } from '../../builder/builder-context.js';
import { builderImageStream, builderImageStreamTag, builderTemplateName } from './builder-image-stream.js';
import { templateName } from './openshift-template.js';
import type { BuildConfig, ImageReference, ImageStream, Template, TemplateParameter } from './openshift-types.js';

/** The ImageStream that imports the upstream stack. */
export const upstreamImageStream = (stack: Stack): string => `${stack.name}-upstream`;
/** The Docker build context of the stack's builder in the tjs2i repository. */
export const stackContextDir = (stack: Stack): string => `${STACKS_DIR}/${stack.name}`;

/** The upstream stacks' notebook user (jovyan): the Dockerfile's default for NB_UID. */
const UPSTREAM_UID = '1000';

export interface OpenShiftBuilderOptions {
  /** The tjs2i repository (https): the default of TJS2I_REPOSITORY_URL; without it the parameter must be given. */
  repositoryUrl?: string;
}

function parameters(stack: Stack, options: OpenShiftBuilderOptions): TemplateParameter[] {
  return [
    {
      name: 'TJS2I_REPOSITORY_URL',
      displayName: 'tjs2i Repository URL',
      description: `Git repository of tjs2i, whose ${stackContextDir(stack)}/ holds the builder's Dockerfile and S2I scripts.`,
      ...(options.repositoryUrl !== undefined ? { value: options.repositoryUrl } : {}),
      required: true,
    },
    {
      name: 'TJS2I_REPOSITORY_REF',
      displayName: 'tjs2i Git Reference',
      description: 'Branch, tag or commit of the tjs2i repository (default: its default branch).',
      required: false,
    },
    {
      name: 'UPSTREAM_IMAGE',
      displayName: 'Upstream Image',
      description: 'The Jupyter stack image the builder is made from; it is imported again periodically, and a new image rebuilds the builder.',
      value: `${stack.upstream}:latest`,
      required: true,
    },
    {
      name: 'NB_UID',
      displayName: 'Notebook User UID',
      description: "UID of the upstream image's notebook user (jovyan), the builder's USER.",
      value: UPSTREAM_UID,
      required: true,
    },
  ];
}

function upstreamStream(stack: Stack): ImageStream {
  return {
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStream',
    metadata: { name: upstreamImageStream(stack) },
    // A scheduled import checks the upstream tag again (every 15 minutes by default, a cluster
    // setting) and records a new image only when the digest changed: that is what rebuilds the builder.
    spec: { tags: [{ name: 'latest', from: { kind: 'DockerImage', name: '${UPSTREAM_IMAGE}' }, importPolicy: { scheduled: true } }] },
  };
}

function builderStream(stack: Stack): ImageStream {
  return { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: builderImageStream(stack) }, spec: {} };
}

function buildConfig(stack: Stack): BuildConfig {
  const upstream: ImageReference = { kind: 'ImageStreamTag', name: `${upstreamImageStream(stack)}:latest` };
  return {
    apiVersion: 'build.openshift.io/v1',
    kind: 'BuildConfig',
    metadata: { name: builderImageStream(stack) },
    spec: {
      // Only the newest upstream image matters: builds queued behind a running one collapse into one.
      runPolicy: 'SerialLatestOnly',
      // ConfigChange: the first build starts at once; ImageChange without `from`: the strategy's
      // image, the upstream tag, so each new upstream image rebuilds the builder.
      triggers: [{ type: 'ConfigChange' }, { type: 'ImageChange', imageChange: {} }],
      source: { type: 'Git', git: { uri: '${TJS2I_REPOSITORY_URL}', ref: '${TJS2I_REPOSITORY_REF}' }, contextDir: stackContextDir(stack) },
      // `from` replaces the Dockerfile's FROM, which names the upstream stack.
      strategy: { type: 'Docker', dockerStrategy: { from: upstream, buildArgs: [{ name: 'NB_UID', value: '${NB_UID}' }] } },
      output: { to: { kind: 'ImageStreamTag', name: builderImageStreamTag(stack) } },
      successfulBuildsHistoryLimit: 3,
      failedBuildsHistoryLimit: 3,
    },
  };
}

export function openshiftBuilderTemplate(stack: Stack, options: OpenShiftBuilderOptions = {}): Template {
  const name = builderTemplateName(stack);
  const builder = builderImageStream(stack);
  const course = templateName(stack, false);
  return {
    apiVersion: 'template.openshift.io/v1',
    kind: 'Template',
    metadata: {
      name,
      annotations: {
        'openshift.io/display-name': `${stack.title} S2I builder`,
        description:
          `The S2I builder ${builder} (what "tjs2i builder ${stack.name}" makes), built in the project from the tjs2i repository ` +
          `and rebuilt when the upstream image changes; notebooks of the template ${course} rebuild with it.`,
        iconClass: 'icon-python',
        tags: stack.tags.join(','),
        'openshift.io/provider-display-name': 'tjs2i',
      },
    },
    message:
      `The builder ${builder} is being built from \${UPSTREAM_IMAGE}: follow the build with "oc logs -f bc/${builder}". ` +
      `Notebooks of the template ${course} build from ${builderImageStreamTag(stack)} and rebuild whenever it does.`,
    labels: { app: builder, template: name },
    parameters: parameters(stack, options),
    objects: [upstreamStream(stack), builderStream(stack), buildConfig(stack)],
  };
}
