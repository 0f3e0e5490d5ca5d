/**
 * Whether the output tag already is this build. Every input that affects the output image is
 * recorded in its labels, and for a commit fingerprinted: a build of the same inputs is skipped
 * (unless --force). A directory used as it is is never taken as up to date, nor is a source whose
 * files are not exactly the commit's.
 */
import type { BuildOptions } from './build-options.js';
import type { BuildPlan } from './plan-build.js';
import { describeScript, FingerprintLabel, recordLabels, type FingerprintInputs } from './fingerprint.js';
import type { Engine } from '../engine/engine.js';
import type { ImageInfo } from '../engine/image-client.js';
import type { Logger } from '../common/log.js';
import { tjs2iVersion } from '../common/version.js';
import { keyedSource, SOURCE_KEY_LABEL, sourceKey } from './source-key.js';

export interface OutputTagState {
  /** The labels that record the inputs (with their fingerprint for a commit). */
  recorded: Record<string, string>;
  /** The image the output tag names, looked up only when needed: --incremental, --rm, or a commit. */
  previous: ImageInfo | undefined;
  /** That image, when it was built from the same inputs and --force was not given: nothing to build. */
  upToDate: ImageInfo | undefined;
}

export async function compareWithOutputTag(
  engine: Pick<Engine, 'images'>,
  plan: BuildPlan,
  options: BuildOptions,
  tag: string,
  logger: Logger,
  signal?: AbortSignal,
): Promise<OutputTagState> {
  const record = await recordOf(plan, options);
  const commit = plan.sourceKind === 'directory' || plan.source.incomplete ? undefined : plan.source.provenance.commit?.id;
  if (!commit)
    logger.debug(
      `not looking for an up-to-date ${tag}: ${plan.source.incomplete ? `the source is not the commit's content (${plan.source.incomplete})` : 'the source is a directory used as it is, not a commit'}`,
    );
  const recorded: Record<string, string> = { ...recordLabels(record, commit !== undefined), [SOURCE_KEY_LABEL]: commit ? keyOf(plan, options) : '' };
  const previous = options.incremental || options.removePrevious || commit ? await engine.images.inspectImage(tag, signal) : undefined;
  const sameInputs = Boolean(commit) && previous !== undefined && previous.labels[FingerprintLabel.fingerprint] === recorded[FingerprintLabel.fingerprint];
  if (sameInputs && options.force) logger.info(`    ${tag} is up to date; rebuilding it (--force)`);
  else if (sameInputs) logger.info(`${tag} is up to date: built from ${commit} with ${options.builder}; use --force to rebuild`);
  return { recorded, previous, upToDate: sameInputs && !options.force ? previous : undefined };
}

/** The source key of a keyed work-tree build (source-key.ts), '' for any other. */
function keyOf(plan: BuildPlan, options: BuildOptions): string {
  const commit = plan.source.provenance.commit;
  if (!commit || !keyedSource(options.source, plan.sourceKind)) return '';
  return sourceKey(options, { commitId: commit.id, commitRef: commit.ref, builderId: plan.builder.id, fileEnv: plan.fileEnv }) ?? '';
}

/** Every input that affects the output image, for its labels and fingerprint. */
async function recordOf(plan: BuildPlan, options: BuildOptions): Promise<FingerprintInputs> {
  const { provenance } = plan.source;
  return {
    tjs2iVersion: tjs2iVersion(),
    location: provenance.location,
    commit: provenance.commit?.id ?? '',
    ref: provenance.commit?.ref ?? '',
    ...(provenance.contextDir ? { contextDir: provenance.contextDir } : {}),
    builderId: plan.builder.id,
    builderName: options.builder,
    scripts: await Promise.all([plan.assemble, plan.run].map((s) => describeScript(s))),
    env: plan.env,
    destination: plan.destination,
    assembleUser: plan.buildUser.user,
    ...(options.exclude !== undefined ? { exclude: options.exclude } : {}),
    copy: Boolean(options.source.copy),
    ignoreSubmodules: Boolean(options.source.ignoreSubmodules),
    incremental: Boolean(options.incremental),
    ...(options.applicationName ? { applicationName: options.applicationName } : {}),
    ...(options.description ? { description: options.description } : {}),
  };
}
