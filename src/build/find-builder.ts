/**
 * How a build plan learns its builder. An engine build pulls it as the pull policy says, and a
 * builder that is nowhere stops the build. `--as-dockerfile` runs nothing in it: the builder is
 * inspected when an engine answers and has it, and otherwise what a tjs2i builder has is assumed,
 * and said.
 */
import { checkAllowedUser, type UidRange } from '../s2i/allowed-uids.js';
import type { BuildUser } from '../s2i/assemble-user.js';
import { builderFromImage, checkBuilderUser, MISSING_BUILDER_HINT, type BuilderImage } from '../s2i/builder-image.js';
import type { ImageClient } from '../engine/image-client.js';
import { inspectIfReachable } from '../engine/inspect-if-reachable.js';
import type { Logger } from '../common/log.js';
import { DEFAULT_PULL_POLICY, ensureImage, type PullPolicy } from '../registry/pull-policy.js';
import { SCRIPTS_DIR } from '../s2i/builder-scripts.js';
import { DEFAULT_DESTINATION } from '../s2i/labels.js';

/** What a tjs2i builder has, assumed when the builder cannot be inspected. */
export const ASSUMED_BUILDER: Pick<BuilderImage, 'user' | 'scriptsUrl' | 'destination' | 'labels'> = {
  user: '1000',
  scriptsUrl: `image://${SCRIPTS_DIR}`,
  destination: DEFAULT_DESTINATION,
  labels: {},
};

/** The builder image as the engine has it, with the variables its configuration sets. */
export interface InspectedBuilder extends BuilderImage {
  env: string[];
}

/** Finds the builder; undefined means a tjs2i builder is assumed (ASSUMED_BUILDER). */
export type BuilderLookup<Builder extends InspectedBuilder | undefined> = (
  images: ImageClient,
  options: { builder: string; pullPolicy?: PullPolicy },
  logger: Logger,
  signal?: AbortSignal,
) => Promise<Builder>;

/** An engine build's: the builder, pulled as the pull policy says, in the `inspect` step. */
export const pullBuilder: BuilderLookup<InspectedBuilder> = (images, options, logger, signal) =>
  logger.step('inspect', `builder ${options.builder}`, async () => {
    const info = await ensureImage(images, options.builder, options.pullPolicy ?? DEFAULT_PULL_POLICY, logger, signal, {
      missingHint: MISSING_BUILDER_HINT,
    });
    return { ...builderFromImage(options.builder, info), env: info.env };
  });

/** `--as-dockerfile`'s: the builder as the engine knows it, or undefined (with a warning) when there is no engine or no such image. */
export const inspectBuilderIfPossible: BuilderLookup<InspectedBuilder | undefined> = async (images, options, logger, signal) => {
  const name = options.builder;
  const assumed = `assuming a tjs2i builder (USER ${ASSUMED_BUILDER.user}, scripts in ${ASSUMED_BUILDER.scriptsUrl}, destination ${ASSUMED_BUILDER.destination})`;
  const info = await inspectIfReachable(images, name, signal);
  if (info === 'unreachable') {
    logger.warn(`no engine to inspect builder ${name}; ${assumed}`);
    return undefined;
  }
  if (!info) {
    logger.warn(`builder ${name} is not in the engine; ${assumed}`);
    return undefined;
  }
  const builder = builderFromImage(name, info);
  logger.info(`    builder ${name} found: USER ${builder.user}${builder.scriptsUrl ? `, scripts ${builder.scriptsUrl}` : ''}`);
  return { ...builder, env: info.env };
};

/** Who runs assemble in an assumed tjs2i builder: --assemble-user, else the builder's USER. */
export function assumedBuildUser(flag: string | undefined, ranges: UidRange[]): BuildUser {
  const user = (flag ?? ASSUMED_BUILDER.user).trim();
  const uid = checkAllowedUser(user, ranges, 'assemble user');
  checkBuilderUser('(assemble user)', user);
  return { user, uid };
}
