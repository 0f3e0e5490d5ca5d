/**
 * S2I conventions: label names, the default destination, the labels that record provenance.
 */
import type { Provenance } from '../source/prepare-source.js';

export const Label = {
  scriptsUrl: 'io.openshift.s2i.scripts-url',
  destination: 'io.openshift.s2i.destination',
  assembleUser: 'io.openshift.s2i.assemble-user',
  exposeServices: 'io.openshift.expose-services',
  tags: 'io.openshift.tags',
  description: 'io.k8s.description',
  displayName: 'io.k8s.display-name',
  buildImage: 'io.openshift.s2i.build.image',
  sourceLocation: 'io.openshift.s2i.build.source-location',
  contextDir: 'io.openshift.s2i.build.source-context-dir',
  commitId: 'io.openshift.s2i.build.commit.id',
  commitRef: 'io.openshift.s2i.build.commit.ref',
  commitAuthor: 'io.openshift.s2i.build.commit.author',
  commitDate: 'io.openshift.s2i.build.commit.date',
  commitMessage: 'io.openshift.s2i.build.commit.message',
} as const;

/** Labels under this prefix describe one build (source, commit); they are never inherited. */
export const BUILD_LABEL_PREFIX = 'io.openshift.s2i.build.';

/** Where sources and scripts go inside the build container when the builder says nothing. */
export const DEFAULT_DESTINATION = '/tmp';

export function provenanceLabels(builderImage: string, provenance: Provenance): Record<string, string> {
  const labels: Record<string, string> = {
    [Label.buildImage]: builderImage,
    [Label.sourceLocation]: provenance.location,
  };
  if (provenance.contextDir) labels[Label.contextDir] = provenance.contextDir;
  const commit = provenance.commit;
  if (commit) {
    labels[Label.commitId] = commit.id;
    labels[Label.commitRef] = commit.ref;
    labels[Label.commitAuthor] = commit.author;
    labels[Label.commitDate] = commit.date;
    labels[Label.commitMessage] = commit.message.split('\n')[0] ?? '';
  }
  return labels;
}
