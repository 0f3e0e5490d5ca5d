/**
 * The up-to-date check before the clone, for a work tree: the builder is inspected, the work tree's
 * HEAD read and the output tag inspected at the same time, and an output image whose source key
 * (source-key.ts) is this build's is up to date: nothing is cloned. Anything else goes on to the
 * full plan, which gets the builder found here.
 */
import type { BuildOptions } from './build-options.js';
import type { Engine } from '../engine/engine.js';
import type { ImageInfo } from '../engine/image-client.js';
import type { Logger } from '../common/log.js';
import { pullBuilder, type InspectedBuilder } from './find-builder.js';
import { hasSourceKey, keyedSource, SOURCE_KEY_LABEL, sourceKey } from './source-key.js';
import { readEnvironmentFile } from '../s2i/environment.js';
import { compileExclude } from '../source/source-filter.js';
import { sourceKind } from '../source/prepare-source.js';
import { readWorkTreeHead } from '../source/work-tree-head.js';
import { validateDestination } from './plan-build.js';
import { resolve } from 'node:path';

export interface EarlyCheck {
  /** The builder, found as the plan would find it. */
  builder: InspectedBuilder;
  /** The output tag's image, when it is up to date. */
  upToDate?: ImageInfo;
}

/** Undefined when the build cannot be checked before its clone (not a keyed work tree, or --force). */
export async function upToDateBeforeClone(
  engine: Pick<Engine, 'images'>,
  options: BuildOptions,
  tag: string,
  logger: Logger,
  signal?: AbortSignal,
): Promise<EarlyCheck | undefined> {
  if (options.force || !hasSourceKey(options) || !keyedSource(options.source, sourceKind(options.source.location, options.source.copy))) return undefined;
  // The flags the plan checks before any engine call, checked here first too, in the same order.
  compileExclude(options.exclude);
  validateDestination(options.destination);
  const fileEnv = options.environmentFile ? await readEnvironmentFile(options.environmentFile) : [];
  // A bad --context-dir is left to the plan, which finds it after the builder (sourceKey reads it only for a key).
  const [builder, head, previous] = await Promise.all([
    pullBuilder(engine.images, options, logger, signal),
    options.source.ref === undefined
      ? readWorkTreeHead(resolve(options.source.location), signal)
      : Promise.resolve({ id: options.source.ref, ref: options.source.ref }),
    engine.images.inspectImage(tag, signal),
  ]);
  if (!head || !previous) return { builder };
  const key = sourceKey(options, { commitId: head.id, commitRef: head.ref, builderId: builder.id, fileEnv });
  if (key === undefined || previous.labels[SOURCE_KEY_LABEL] !== key) return { builder };
  logger.info(`${tag} is up to date: built from ${head.id} with ${options.builder}; use --force to rebuild`);
  return { builder, upToDate: previous };
}
