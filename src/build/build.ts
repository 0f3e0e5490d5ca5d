/**
 * The S2I build pipeline: plan the build (builder, assemble user, source, environment, scripts),
 * compare with the output tag (the same inputs again build nothing), for --incremental save the
 * previous image's artifacts, make a container from the builder and put the files in — written
 * directly for tjs2i's default assemble when nothing is to install, else uploaded with the scripts
 * and artifacts and assembled as the assemble user — then commit with the run script as Cmd and tag.
 * Every stage is a timed step; containers and temporary directories are removed on every path; the
 * output tag is only written after the final commit, so a failed build never moves it.
 */
import { saveArtifacts, type SavedArtifacts } from './artifacts.js';
import { BuildContainer } from './build-container.js';
import type { BuildOptions } from './build-options.js';
import type { CommitSpec } from '../engine/container-client.js';
import type { Engine } from '../engine/engine.js';
import type { ImageInfo } from '../engine/image-client.js';
import { shortId } from '../engine/short-id.js';
import { toDockerEnv } from '../s2i/environment.js';
import { InterruptedError, throwIfAborted } from '../common/errors.js';
import { pullBuilder, type InspectedBuilder } from './find-builder.js';
import { IMAGE_METADATA_PATH } from '../s2i/image-metadata.js';
import { invalidImageName, isValidImageName, parseImageRef } from '../registry/image-ref.js';
import type { Logger } from '../common/log.js';
import { outputLabels } from './output-labels.js';
import { planBuild, type BuildPlan, type MadeWhilePlanning, type PlanMode } from './plan-build.js';
import { Label } from '../s2i/labels.js';
import { ScriptFinder } from '../s2i/scripts.js';
import { assembleInContainer } from './assemble-stage.js';
import { confirmDirectWrite, decideDirectWrite, writeDirectly } from './direct-write-stage.js';
import { compareWithOutputTag } from './up-to-date.js';
import { upToDateBeforeClone } from './early-up-to-date.js';
import { checkedCommit } from './commit-check.js';

export type { BuildOptions } from './build-options.js';

export interface BuildResult {
  image: string;
  imageId: string;
  size: number;
  durationMs: number;
  labels: Record<string, string>;
  /** The image the tag named before this build, if any. */
  previousImageId?: string;
  /** Whether artifacts of the previous image were restored (--incremental). */
  incremental: boolean;
  /** The output tag was built from the same inputs already: nothing was built (`image` is that one). */
  upToDate: boolean;
  /** The files were written directly, without running assemble (tjs2i's default assemble, no dependencies). */
  directWrite: boolean;
}

/** An engine build needs its builder (pulled as the pull policy says), and names a clone and the build variables. */
const ENGINE_BUILD: PlanMode<InspectedBuilder> = { findBuilder: pullBuilder, showsClone: true, logsEnvironment: true };

export async function build(engine: Engine, options: BuildOptions, logger: Logger, signal?: AbortSignal): Promise<BuildResult> {
  const started = performance.now();
  const output = outputImageOf(options.output);
  const made: MadeWhilePlanning = {};
  const container = new BuildContainer(engine);
  let artifacts: SavedArtifacts | undefined;
  try {
    const early = await upToDateBeforeClone(engine, options, output.name, logger, signal);
    if (early?.upToDate) return upToDateResult(output.name, early.upToDate, started);
    const mode: PlanMode<InspectedBuilder> = early ? { ...ENGINE_BUILD, findBuilder: () => Promise.resolve(early.builder) } : ENGINE_BUILD;
    const plan = await planBuild(engine, options, mode, made, logger, signal);
    logger.debug(
      `assemble: ${plan.assemble.imagePath} (${plan.assemble.origin}); run: ${plan.run.imagePath} (${plan.run.origin}); destination ${plan.destination}`,
    );
    const outputTag = await compareWithOutputTag(engine, plan, options, output.name, logger, signal);
    if (outputTag.upToDate) return upToDateResult(output.name, outputTag.upToDate, started);
    if (options.incremental) artifacts = await previousArtifacts(engine, plan, options, outputTag.previous, logger, signal);
    throwIfAborted(signal);

    const filter = await plan.sourceFilter();
    const decision = await decideDirectWrite(plan, filter, artifacts);
    const id = await container.create(plan, signal);
    const writing = await confirmDirectWrite(engine, id, plan, decision, options.checkCache, logger, signal);
    // The labels assemble asked for; a direct write asks for none.
    let metadata: Record<string, string> | undefined;
    if (writing.direct) await writeDirectly(engine, id, plan, { home: writing.home, filter }, logger, signal);
    else metadata = await assembleInContainer(engine, id, plan, { reason: writing.reason, filter, artifacts, output: options.output }, logger, signal);

    const labels = outputLabelsOf(plan, metadata, outputTag.recorded, logger);
    const image: CommitSpec = { cmd: [plan.run.imagePath], user: plan.imageUser, entrypoint: plan.builder.entrypoint, labels };
    // The container is done with once committed: removed while the image is checked and tagged.
    const { imageId, size } = await commitAndTag(engine, id, image, output, logger, signal, () => void container.remove(logger));
    const incremental = !writing.direct && artifacts !== undefined;
    return await finish(
      engine,
      { options, previous: outputTag.previous, imageId, size, tag: output.name, labels, started, incremental, directWrite: writing.direct },
      logger,
    );
  } finally {
    // Best effort: a cleanup failure is reported but never hides the build's own error.
    // The container and the temporary directories are independent: removed at the same time.
    await Promise.all([
      container.remove(logger),
      ...[made.source, made.scripts, artifacts].map((temporary) =>
        temporary?.cleanup().catch((error: unknown) => logger.warn(`cleanup failed: ${String(error)}`)),
      ),
    ]);
  }
}

interface OutputImage {
  repository: string;
  tag: string;
  /** `repository:tag`. */
  name: string;
}

/** The output image, checked before anything else: a bad name costs no engine call. */
function outputImageOf(name: string): OutputImage {
  if (!isValidImageName(name)) throw invalidImageName('output image name', name, 'use lowercase name[:tag], e.g. my-course:latest');
  const { repository, tag } = parseImageRef(name);
  return { repository, tag, name: `${repository}:${tag}` };
}

function upToDateResult(tag: string, image: ImageInfo, started: number): BuildResult {
  return {
    image: tag,
    imageId: image.id,
    size: image.size,
    durationMs: performance.now() - started,
    labels: image.labels,
    previousImageId: image.id,
    incremental: false,
    upToDate: true,
    directWrite: false,
  };
}

/** --incremental: the previous image's artifacts, or undefined for a clean build (said why). */
async function previousArtifacts(
  engine: Pick<Engine, 'containers' | 'archives'>,
  plan: BuildPlan,
  options: BuildOptions,
  previous: ImageInfo | undefined,
  logger: Logger,
  signal?: AbortSignal,
): Promise<SavedArtifacts | undefined> {
  if (!previous) {
    logger.info(`    no previous image ${options.output}: a clean build`);
    return undefined;
  }
  // save-artifacts is looked up as assemble is, except that the image is the previous one.
  const finder = new ScriptFinder(
    { scriptsUrl: options.scriptsUrl, sourceDir: plan.source.dir, imageScriptsUrl: previous.labels[Label.scriptsUrl], destination: plan.destination },
    signal,
  );
  try {
    const script = await finder.find('save-artifacts');
    if (!script) {
      logger.warn(`no save-artifacts script for the previous image ${shortId(previous.id)}: a clean build`);
      return undefined;
    }
    return await logger.step('save-artifacts', `from the previous image ${shortId(previous.id)}`, () =>
      saveArtifacts(
        engine,
        { image: previous.id, script, user: plan.buildUser.user, uid: plan.buildUser.uid, env: toDockerEnv(plan.env), destination: plan.destination },
        logger,
        signal,
      ),
    );
  } finally {
    await finder.cleanup();
  }
}

function outputLabelsOf(
  plan: BuildPlan,
  metadata: Record<string, string> | undefined,
  recorded: Record<string, string>,
  logger: Logger,
): Record<string, string> {
  const { labels, ignored } = outputLabels({ ...plan.labels, metadata, provenance: { ...plan.labels.provenance, ...recorded } });
  if (ignored.length) logger.warn(`${IMAGE_METADATA_PATH}: ignored ${ignored.join(', ')} (provenance labels are set by tjs2i)`);
  return labels;
}

/**
 * Commits untagged and without the abort signal (an aborted request may still complete in the
 * engine), checks that the image holds what was asked (commit-check.ts), then tags: an
 * interruption or a failed check up to here removes the new image and moves no tag.
 */
async function commitAndTag(
  engine: Pick<Engine, 'containers' | 'images' | 'endpoint' | 'identify'>,
  id: string,
  spec: CommitSpec,
  output: OutputImage,
  logger: Logger,
  signal: AbortSignal | undefined,
  onCommitted: () => void,
): Promise<{ imageId: string; size: number }> {
  return logger.step('commit', output.name, async () => {
    const committed = await engine.containers.commit(id, spec);
    onCommitted();
    if (signal?.aborted) {
      await engine.images.removeImage(committed).catch(() => undefined);
      throw new InterruptedError();
    }
    const info = await checkedCommit(engine, committed, spec, output.name);
    await engine.images.tagImage(committed, output.repository, output.tag).catch(async (error: unknown) => {
      await engine.images.removeImage(committed).catch(() => undefined);
      throw error;
    });
    return { imageId: committed, size: info.size };
  });
}

interface Finished {
  options: BuildOptions;
  previous: ImageInfo | undefined;
  imageId: string;
  /** The committed image's size, from its check. */
  size: number;
  tag: string;
  labels: Record<string, string>;
  started: number;
  incremental: boolean;
  directWrite: boolean;
}

/** After the tag moved: --rm's removal of the previous image, and the result. */
async function finish(engine: Pick<Engine, 'images'>, done: Finished, logger: Logger): Promise<BuildResult> {
  const { previous, imageId } = done;
  if (done.options.removePrevious && previous && previous.id !== imageId) {
    await engine.images
      .removeImage(previous.id)
      .then(() => logger.info(`    removed the previous image ${shortId(previous.id)}`))
      .catch((error: unknown) => logger.warn(`could not remove the previous image ${shortId(previous.id)}: ${(error as Error).message}`));
  }
  return {
    image: done.tag,
    imageId,
    size: done.size,
    durationMs: performance.now() - done.started,
    labels: done.labels,
    ...(previous ? { previousImageId: previous.id } : {}),
    incremental: done.incremental,
    upToDate: false,
    directWrite: done.directWrite,
  };
}
