/**
 * The source key: a digest of what a build of a work tree is asked to do (every flag that affects
 * the output, the builder's id, the commit id and the ref the clone records), computable before the
 * clone. The fingerprint needs the clone (the course's .s2i/environment and .s2i/bin); but both are
 * fixed by the commit, so the same key means the same fingerprint, and an image labelled with this
 * key is up to date without cloning. Scripts from a URL other than image:// may change under the
 * same URL: such a build gets no key.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { BuildOptions } from './build-options.js';
import { canonicalJson, environmentDigest } from './fingerprint.js';
import type { EnvVar } from '../s2i/environment.js';
import { tjs2iVersion } from '../common/version.js';
import { validateContextDir } from '../source/prepare-source.js';

export const SOURCE_KEY_LABEL = 'io.tjs2i.build.source-key';

export interface SourceKeyInputs {
  commitId: string;
  /** The commit.ref label: --ref as given, else the branch cloned (the id for a detached HEAD). */
  commitRef: string;
  builderId: string;
  /** The variables of the -E file, parsed. */
  fileEnv: EnvVar[];
}

/** Whether a build with these options can be found up to date before its clone. */
export function hasSourceKey(options: Pick<BuildOptions, 'scriptsUrl'>): boolean {
  return options.scriptsUrl === undefined || /^image:\/\//i.test(options.scriptsUrl);
}

/** The key of a work-tree build (undefined when it has none: see hasSourceKey). */
export function sourceKey(options: BuildOptions, inputs: SourceKeyInputs): string | undefined {
  if (!hasSourceKey(options)) return undefined;
  const { source } = options;
  const key = {
    tjs2iVersion: tjs2iVersion(),
    workTree: resolve(source.location),
    ref: source.ref ?? '',
    contextDir: validateContextDir(source.contextDir) ?? '',
    ignoreSubmodules: Boolean(source.ignoreSubmodules),
    commitId: inputs.commitId,
    commitRef: inputs.commitRef,
    builderId: inputs.builderId,
    builderName: options.builder,
    env: environmentDigest(options.env ?? []),
    fileEnv: environmentDigest(inputs.fileEnv),
    scriptsUrl: options.scriptsUrl ?? '',
    destination: options.destination ?? '',
    assembleUser: options.assembleUser ?? '',
    allowedUids: options.allowedUids ?? [],
    exclude: options.exclude ?? null,
    incremental: Boolean(options.incremental),
    applicationName: options.applicationName ?? '',
    description: options.description ?? '',
  };
  return `sha256:${createHash('sha256').update(canonicalJson(key)).digest('hex')}`;
}

/**
 * Whether a build of this source is keyed: a work tree (not --copy) at its HEAD or at a full commit
 * id. A named --ref is resolved by the clone against the repository's refs, which the key cannot
 * repeat exactly without one.
 */
export function keyedSource(source: BuildOptions['source'], kind: 'git-url' | 'work-tree' | 'directory'): boolean {
  return kind === 'work-tree' && (source.ref === undefined || /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(source.ref));
}
