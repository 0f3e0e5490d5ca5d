/**
 * S2I conventions: label names, where scripts are looked up, the labels that record provenance.
 */
import { lstat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { UsageError } from './errors.js';
import type { Provenance } from './source.js';

export const Label = {
  scriptsUrl: 'io.openshift.s2i.scripts-url',
  destination: 'io.openshift.s2i.destination',
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

export type ScriptName = 'assemble' | 'run';

export interface ScriptLocation {
  name: ScriptName;
  origin: 'source' | 'image';
  /** The script's path inside the build container and the output image. */
  imagePath: string;
  /** For scripts from the source: the file on the build host, uploaded to `<destination>/scripts`. */
  hostPath?: string;
}

/** The directory an `image://` scripts URL points at; other schemes are not supported yet. */
export function imageScriptsDir(scriptsUrl: string): string {
  const match = /^image:\/\/(\/.*)$/.exec(scriptsUrl.trim());
  if (!match?.[1]) {
    throw new UsageError(
      `unsupported scripts location ${scriptsUrl}`,
      'the builder label io.openshift.s2i.scripts-url must be image:///absolute/path',
    );
  }
  return match[1].replace(/\/+$/, '') || '/';
}

/**
 * Finds a script: the source's `.s2i/bin/<name>` first, then the builder's scripts URL, used in
 * place inside the image. Throws with every place looked at when there is none.
 */
export async function findScript(
  name: ScriptName,
  sourceDir: string,
  scriptsUrl: string | undefined,
  destination: string = DEFAULT_DESTINATION,
): Promise<ScriptLocation> {
  const fromSource = join(sourceDir, '.s2i', 'bin', name);
  const looked = [`${posix.join('.s2i/bin', name)} in the source`];
  const st = await lstat(fromSource).catch(() => undefined);
  if (st && !st.isFile()) {
    // A symlink could point anywhere on the build machine: never follow it out of the source.
    throw new UsageError(`${posix.join('.s2i/bin', name)} in the source is not a regular file`, 'make it a plain executable file, not a symlink');
  }
  if (st) {
    return { name, origin: 'source', hostPath: fromSource, imagePath: posix.join(destination, 'scripts', name) };
  }
  if (scriptsUrl) {
    return { name, origin: 'image', imagePath: posix.join(imageScriptsDir(scriptsUrl), name) };
  }
  looked.push(`the builder label ${Label.scriptsUrl} (not set)`);
  throw new UsageError(`no ${name} script found; looked in ${looked.join(' and ')}`, 'use a tjs2i builder image, or add the script to the source');
}

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
