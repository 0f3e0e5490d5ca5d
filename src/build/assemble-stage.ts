/**
 * The S2I path of a build: the source, the scripts not in the image and any artifacts uploaded into
 * the build container, assemble run there as the assemble user (its output streamed, its last lines
 * kept for the error), then the labels it asked for read back.
 */
import { posix } from 'node:path';
import { artifactsArchive, type SavedArtifacts } from './artifacts.js';
import type { Engine } from '../engine/engine.js';
import { BuildFailedError, throwIfAborted } from '../common/errors.js';
import { IMAGE_METADATA_PATH, parseImageMetadata } from '../s2i/image-metadata.js';
import { formatBytes, type Logger } from '../common/log.js';
import type { BuildPlan, SourceFilter } from './plan-build.js';
import { TailBuffer } from '../common/tail-buffer.js';
import { packTrees } from '../source/pack-trees.js';

/** Lines of assemble's output kept for the error of a failed assemble. */
const TAIL_LINES = 15;

export interface AssembleInputs {
  /** Why the files are not written directly. */
  reason: string;
  filter: SourceFilter;
  artifacts: SavedArtifacts | undefined;
  /** The output image as given, for the message of a failed assemble. */
  output: string;
}

/** Uploads the source, scripts and artifacts and runs assemble; the labels it asked for (image_metadata.json). */
export async function assembleInContainer(
  engine: Pick<Engine, 'containers' | 'archives'>,
  id: string,
  plan: BuildPlan,
  inputs: AssembleInputs,
  logger: Logger,
  signal?: AbortSignal,
): Promise<Record<string, string> | undefined> {
  logger.info(`assemble: ${plan.assemble.imagePath} (${plan.assemble.origin}), run in the build container: ${inputs.reason}`);
  await upload(engine, id, plan, inputs.filter, logger, signal);
  const { artifacts } = inputs;
  if (artifacts) {
    await logger.step('artifacts', `${artifacts.entries} entries, ${formatBytes(artifacts.bytes)} to ${posix.join(plan.destination, 'artifacts')}`, () =>
      engine.archives
        .linksSymlinks(signal)
        .then((linkSymlinks) => engine.archives.putArchive(id, artifactsArchive(artifacts.path, plan.buildUser.uid, linkSymlinks), plan.destination, signal)),
    );
  }
  throwIfAborted(signal);

  const tail = new TailBuffer(TAIL_LINES);
  const exitCode = await logger.step('assemble', plan.assemble.imagePath, () =>
    engine.containers.run(
      id,
      (chunk, stream) => {
        tail.push(chunk, stream);
        logger.output(chunk, stream);
      },
      signal,
    ),
  );
  throwIfAborted(signal);
  if (exitCode !== 0) {
    throw new BuildFailedError(`assemble failed with exit code ${exitCode}; the output image ${inputs.output} was not written`, undefined, tail.get());
  }
  return readImageMetadata(engine, id, logger, signal);
}

/** The source under `<destination>/src` and the scripts not in the image under `<destination>/scripts`. */
async function upload(
  engine: Pick<Engine, 'archives'>,
  id: string,
  plan: BuildPlan,
  filter: SourceFilter,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  await logger.step('upload', `source to ${posix.join(plan.destination, 'src')}`, async () => {
    const pack = packTrees({
      uid: plan.buildUser.uid,
      gid: 0,
      trees: [{ dir: plan.source.dir, prefix: 'src', exclude: filter }],
      files: plan.scriptFiles,
      onSkip: (path, reason) => logger.warn(`skipped ${path}: ${reason}`),
    });
    const uploading = engine.archives.putArchive(id, pack.stream, plan.destination, signal).catch((error: unknown) => {
      pack.stream.destroy(); // stop reading files nobody will receive
      throw error;
    });
    const [stats] = await Promise.all([pack.done, uploading]);
    logger.info(`    ${stats.files} files, ${stats.directories} directories, ${stats.symlinks} symlinks, ${formatBytes(stats.bytes)}`);
  });
}

/** The labels assemble asked for in image_metadata.json; its problems are warnings, never failures. */
async function readImageMetadata(
  engine: Pick<Engine, 'archives'>,
  id: string,
  logger: Logger,
  signal?: AbortSignal,
): Promise<Record<string, string> | undefined> {
  const raw = await engine.archives.readFile(id, IMAGE_METADATA_PATH, signal).catch((error: unknown) => {
    logger.warn(`could not read ${IMAGE_METADATA_PATH}: ${(error as Error).message}`);
    return undefined;
  });
  const metadata = raw ? parseImageMetadata(raw.toString('utf8')) : undefined;
  for (const problem of metadata?.problems ?? []) logger.warn(`${IMAGE_METADATA_PATH}: ${problem}`);
  return metadata?.labels;
}
