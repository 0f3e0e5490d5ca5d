/**
 * The name of a stack's S2I builder on OpenShift, shared by the two templates so that they meet:
 * the builder template's BuildConfig writes this ImageStreamTag, and the course template builds from
 * it (the default of BUILDER_IMAGESTREAM_TAG) and rebuilds when it changes. It is also the name
 * `tjs2i builder` tags its image with, so a pushed builder lands in the same place. The builder
 * template is named after it.
 */
import type { Stack } from '../../builder/stacks.js';

export const builderImageStream = (stack: Stack): string => `jupyter-${stack.name}`;

export const builderImageStreamTag = (stack: Stack): string => `${builderImageStream(stack)}:latest`;

export const builderTemplateName = (stack: Stack): string => `${builderImageStream(stack)}-builder`;
