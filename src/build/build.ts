/**
 * The S2I build pipeline: inspect the builder, fetch the source, (for --incremental) save the
 * previous image's artifacts, upload sources, scripts and artifacts into a container made from the
 * builder, run assemble as the assemble user with the build environment, commit with the run
 * script as Cmd. Every stage is a timed step; containers and temporary directories are removed on
 * every path; the output tag is only written after the final commit, so a failed build never moves it.
 */
import { posix } from 'node:path';
import type { UidRange } from '../s2i/allowed-uids.js';
import { artifactsArchive, saveArtifacts, type SavedArtifacts } from './artifacts.js';
import { builderFromImage, MISSING_BUILDER_HINT, type BuilderImage } from '../s2i/builder-image.js';
import { describeScript, FingerprintLabel, recordLabels, type FingerprintInputs } from './fingerprint.js';
import { assembleUserOf, type BuildUser } from '../s2i/assemble-user.js';
import type { CheckCache } from './direct-write-cache.js';
import { checkContainerOnce, directWriteDecision, packDirect } from './direct-write.js';
import type { CommitSpec } from '../engine/container-client.js';
import type { Engine } from '../engine/engine.js';
import type { ImageInfo } from '../engine/image-client.js';
import { shortId } from '../engine/short-id.js';
import { BUILD_CONTAINER_PREFIX, uniqueName } from '../engine/unique-name.js';
import { mergeEnvironment, readEnvironmentFile, readSourceEnvironment, toDockerEnv, type EnvVar } from '../s2i/environment.js';
import { BuildFailedError, InterruptedError, throwIfAborted, UsageError } from '../common/errors.js';
import { IMAGE_METADATA_PATH, parseImageMetadata } from '../s2i/image-metadata.js';
import { isValidImageName, parseImageRef } from '../registry/image-ref.js';
import { formatBytes, type Logger } from '../common/log.js';
import { outputLabels } from './output-labels.js';
import { DEFAULT_PULL_POLICY, ensureImage, type PullPolicy } from '../registry/pull-policy.js';
import { redactCredentials } from '../common/redact.js';
import { Label, provenanceLabels } from '../s2i/labels.js';
import { ScriptFinder, type ScriptLocation } from '../s2i/scripts.js';
import { compileExclude, readS2iIgnore, sourceFilter } from '../source/source-filter.js';
import { prepareSource, sourceKind, type PreparedSource, type SourceSpec } from '../source/prepare-source.js';
import { tjs2iVersion } from '../common/version.js';
import { TailBuffer } from '../common/tail-buffer.js';
import { packTrees, type PackEntry } from '../source/pack-trees.js';

export interface BuildOptions {
  source: SourceSpec;
  builder: string;
  output: string;
  /** `-e NAME=VALUE`, highest precedence. */
  env?: EnvVar[];
  /** `-E FILE`, lowest precedence. */
  environmentFile?: string;
  scriptsUrl?: string;
  destination?: string;
  assembleUser?: string;
  allowedUids?: UidRange[];
  /** `--exclude` regexp; undefined for the default (.git), '' for nothing. */
  exclude?: string;
  incremental?: boolean;
  /** `--rm`: remove the image the output tag named before, once the new one is tagged. */
  removePrevious?: boolean;
  applicationName?: string;
  description?: string;
  /** When to pull the builder (default if-not-present). */
  pullPolicy?: PullPolicy;
  /** Build even when the output tag was built from the same inputs (its fingerprint label). */
  force?: boolean;
  /** Where checks of builder images that passed are remembered (the CLI's: the user's cache directory). */
  checkCache?: CheckCache;
}

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

const TAIL_LINES = 15;

export async function build(engine: Engine, options: BuildOptions, logger: Logger, signal?: AbortSignal): Promise<BuildResult> {
  const started = performance.now();
  // Everything that can be checked without the engine is checked first.
  if (!isValidImageName(options.output)) {
    throw new UsageError(`invalid output image name ${options.output}`, 'use lowercase name[:tag], e.g. my-course:latest');
  }
  const output = parseImageRef(options.output);
  const tag = `${output.repository}:${output.tag}`;
  const exclude = compileExclude(options.exclude);
  const destination = validateDestination(options.destination);
  const fileEnv = options.environmentFile ? await readEnvironmentFile(options.environmentFile) : [];

  const { builder, builderEnv } = await logger.step('inspect', `builder ${options.builder}`, async () => {
    const info = await ensureImage(engine.images, options.builder, options.pullPolicy ?? DEFAULT_PULL_POLICY, logger, signal, {
      missingHint: MISSING_BUILDER_HINT,
    });
    return { builder: builderFromImage(options.builder, info), builderEnv: info.env };
  });
  const buildUser = assembleUserOf(builder, options.assembleUser, options.allowedUids ?? []);
  const dest = destination ?? (validateDestination(builder.destination, `the builder label ${Label.destination}`) as string);
  throwIfAborted(signal);

  const kind = sourceKind(options.source.location, options.source.copy);
  const stepName = kind === 'directory' ? 'source' : 'clone';
  const source = await logger.step(stepName, redactCredentials(options.source.location), () => prepareSource(options.source, logger, signal));
  const cleanups: (() => Promise<void>)[] = [() => source.cleanup()];
  const name = uniqueName(BUILD_CONTAINER_PREFIX);
  /** The container to remove: its name once creating it was asked for, its id once known. */
  let container: string | undefined;
  try {
    const env = mergeEnvironment(fileEnv, await readSourceEnvironment(source.dir), options.env ?? []);
    if (env.length) logger.info(`    environment: ${env.map((v) => v.name).join(', ')}`);
    const finder = new ScriptFinder({ scriptsUrl: options.scriptsUrl, sourceDir: source.dir, imageScriptsUrl: builder.scriptsUrl, destination: dest }, signal);
    cleanups.push(() => finder.cleanup());
    const assemble = await finder.require('assemble');
    const run = await finder.require('run');
    logger.debug(`assemble: ${assemble.imagePath} (${assemble.origin}); run: ${run.imagePath} (${run.origin}); destination ${dest}`);

    // What the output is made from; for a commit, a build of the same inputs is skipped.
    const record = await recordOf({ options, source, builder, run, assemble, env, dest, buildUser });
    const commit = kind === 'directory' || source.incomplete ? undefined : source.provenance.commit?.id;
    if (!commit)
      logger.debug(
        `not looking for an up-to-date ${tag}: ${source.incomplete ? `the source is not the commit's content (${source.incomplete})` : 'the source is a directory used as it is, not a commit'}`,
      );
    const recorded = recordLabels(record, commit !== undefined);
    const fingerprint = recorded[FingerprintLabel.fingerprint];
    const previous = options.incremental || options.removePrevious || commit ? await engine.images.inspectImage(tag, signal) : undefined;
    if (commit && previous && previous.labels[FingerprintLabel.fingerprint] === fingerprint) {
      if (options.force) {
        logger.info(`    ${tag} is up to date; rebuilding it (--force)`);
      } else {
        logger.info(`${tag} is up to date: built from ${commit} with ${options.builder}; use --force to rebuild`);
        return {
          image: tag,
          imageId: previous.id,
          size: previous.size,
          durationMs: performance.now() - started,
          labels: previous.labels,
          previousImageId: previous.id,
          incremental: false,
          upToDate: true,
          directWrite: false,
        };
      }
    }
    let artifacts: SavedArtifacts | undefined;
    if (options.incremental) {
      artifacts = await previousArtifacts(engine, { previous, options, source, buildUser, env, dest }, logger, signal);
      if (artifacts) cleanups.push((artifacts as SavedArtifacts).cleanup);
    }
    throwIfAborted(signal);
    const filter = sourceFilter(exclude, (await readS2iIgnore(source.dir))?.rules);
    const decision = await directWriteDecision({
      builderLabels: builder.labels,
      builderEnv,
      assemble,
      env,
      artifacts: artifacts !== undefined,
      destination: dest,
      sourceDir: source.dir,
      filter,
    });

    container = name;
    const id = await engine.containers.createContainer(
      {
        image: builder.id,
        name,
        user: buildUser.user,
        // As s2i does: /usr/bin/env as entrypoint, so the builder's own entrypoint cannot swallow
        // the assemble command.
        entrypoint: ['/usr/bin/env'],
        cmd: [assemble.imagePath],
        env: toDockerEnv(env),
      },
      signal,
    );
    container = id;

    // The direct write needs the builder's home as tjs2i builders have it: checked in the container.
    let notDirect: string | undefined;
    if (decision.direct) {
      const checked = await checkContainerOnce(
        engine,
        id,
        { imageId: builder.id, platform: builder.platform, home: decision.home, uid: buildUser.uid },
        options.checkCache,
        signal,
      );
      if (checked.cached) logger.debug(`the builder's home passed the direct write's check before (image ${shortId(builder.id)}): not checked again`);
      notDirect = checked.notDirect;
    } else notDirect = decision.reason;
    if (notDirect === undefined && decision.direct) {
      logger.info(`assemble: tjs2i default, written directly (no dependency files)`);
      await writeDirect(engine, id, { source, run, buildUser, dest, filter, home: decision.home }, logger, signal);
      throwIfAborted(signal);
      const labels = outputLabelsOf(builder, options, source, undefined, recorded, logger);
      const imageId = await commitAndTag(
        engine,
        id,
        { cmd: [run.imagePath], user: builder.user, entrypoint: builder.entrypoint, labels },
        output,
        logger,
        signal,
      );
      return await finish(engine, { options, previous, imageId, tag, labels, started, incremental: false, directWrite: true }, logger);
    }
    logger.info(`assemble: ${assemble.imagePath} (${assemble.origin}), run in the build container: ${notDirect}`);
    await upload(engine, id, { source, assemble, run, buildUser, dest, filter }, logger, signal);
    if (artifacts) {
      const saved = artifacts;
      await logger.step('artifacts', `${saved.entries} entries, ${formatBytes(saved.bytes)} to ${posix.join(dest, 'artifacts')}`, () =>
        engine.archives.putArchive(id, artifactsArchive(saved.path, buildUser.uid), dest, signal),
      );
    }
    throwIfAborted(signal);

    const tail = new TailBuffer(TAIL_LINES);
    const exitCode = await logger.step('assemble', assemble.imagePath, () =>
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
      throw new BuildFailedError(`assemble failed with exit code ${exitCode}; the output image ${options.output} was not written`, undefined, tail.get());
    }

    const labels = await labelsFor(engine, id, builder, options, source, recorded, logger, signal);
    const imageId = await commitAndTag(
      engine,
      id,
      { cmd: [run.imagePath], user: builder.user, entrypoint: builder.entrypoint, labels },
      output,
      logger,
      signal,
    );
    return await finish(engine, { options, previous, imageId, tag, labels, started, incremental: artifacts !== undefined, directWrite: false }, logger);
  } finally {
    // Best effort: a cleanup failure is reported but never hides the build's own error.
    // By name when the create request was interrupted before the engine's answer gave the id.
    // The container and the temporary directories are independent: removed at the same time.
    await Promise.all([
      container &&
        engine.containers.removeContainer(container).catch((error: unknown) => logger.warn(`could not remove build container ${name}: ${String(error)}`)),
      ...cleanups.map((cleanup) => cleanup().catch((error: unknown) => logger.warn(`cleanup failed: ${String(error)}`))),
    ]);
  }
}

/**
 * Commits untagged and without the abort signal (an aborted request may still complete in the
 * engine), then tags: an interruption up to here removes the new image and moves no tag.
 */
async function commitAndTag(
  engine: Pick<Engine, 'images' | 'containers'>,
  id: string,
  spec: CommitSpec,
  output: { repository: string; tag: string },
  logger: Logger,
  signal?: AbortSignal,
): Promise<string> {
  return logger.step('commit', `${output.repository}:${output.tag}`, async () => {
    const committed = await engine.containers.commit(id, spec);
    if (signal?.aborted) {
      await engine.images.removeImage(committed).catch(() => undefined);
      throw new InterruptedError();
    }
    await engine.images.tagImage(committed, output.repository, output.tag).catch(async (error: unknown) => {
      await engine.images.removeImage(committed).catch(() => undefined);
      throw error;
    });
    return committed;
  });
}

interface Finished {
  options: BuildOptions;
  previous: ImageInfo | undefined;
  imageId: string;
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
  const info = await engine.images.inspectImage(imageId);
  return {
    image: done.tag,
    imageId,
    size: info?.size ?? 0,
    durationMs: performance.now() - done.started,
    labels: done.labels,
    ...(previous ? { previousImageId: previous.id } : {}),
    incremental: done.incremental,
    upToDate: false,
    directWrite: done.directWrite,
  };
}

interface RecordPlan {
  options: BuildOptions;
  source: PreparedSource;
  builder: BuilderImage;
  assemble: ScriptLocation;
  run: ScriptLocation;
  env: EnvVar[];
  dest: string;
  buildUser: BuildUser;
}

/** Every input that affects the output image, for its labels and fingerprint. */
async function recordOf(plan: RecordPlan): Promise<FingerprintInputs> {
  const { options, source } = plan;
  return {
    tjs2iVersion: tjs2iVersion(),
    location: source.provenance.location,
    commit: source.provenance.commit?.id ?? '',
    ref: source.provenance.commit?.ref ?? '',
    ...(source.provenance.contextDir ? { contextDir: source.provenance.contextDir } : {}),
    builderId: plan.builder.id,
    builderName: options.builder,
    scripts: await Promise.all([plan.assemble, plan.run].map((s) => describeScript(s))),
    env: plan.env,
    destination: plan.dest,
    assembleUser: plan.buildUser.user,
    ...(options.exclude !== undefined ? { exclude: options.exclude } : {}),
    copy: Boolean(options.source.copy),
    ignoreSubmodules: Boolean(options.source.ignoreSubmodules),
    incremental: Boolean(options.incremental),
    ...(options.applicationName ? { applicationName: options.applicationName } : {}),
    ...(options.description ? { description: options.description } : {}),
  };
}

/**
 * `--destination` (or the builder's label): an absolute path in the image without whitespace or
 * control characters (it ends up in a Dockerfile with --as-dockerfile), or undefined when not given.
 */
export function validateDestination(destination: string | undefined, what = '--destination'): string | undefined {
  if (destination === undefined) return undefined;
  const normalized = posix.normalize(destination.trim());
  if (!posix.isAbsolute(normalized) || normalized === '/' || /[\s\p{Cc}"\\]/u.test(normalized)) {
    throw new UsageError(`${what} ${JSON.stringify(destination)} must be an absolute directory other than /, without spaces or quotes`, 'for example /tmp');
  }
  return normalized.replace(/\/+$/, '');
}

interface UploadPlan {
  source: PreparedSource;
  assemble: ScriptLocation;
  run: ScriptLocation;
  buildUser: BuildUser;
  dest: string;
  filter: (relative: string, directory: boolean) => boolean;
}

async function upload(engine: Pick<Engine, 'archives'>, id: string, plan: UploadPlan, logger: Logger, signal?: AbortSignal): Promise<void> {
  await logger.step('upload', `source to ${posix.join(plan.dest, 'src')}`, async () => {
    const scripts: PackEntry[] = [plan.assemble, plan.run]
      .filter((s) => s.hostPath)
      .map((s) => ({ source: s.hostPath as string, name: `scripts/${s.name}`, mode: 0o755 }));
    const pack = packTrees({
      uid: plan.buildUser.uid,
      gid: 0,
      trees: [{ dir: plan.source.dir, prefix: 'src', exclude: plan.filter }],
      files: scripts,
      onSkip: (path, reason) => logger.warn(`skipped ${path}: ${reason}`),
    });
    const uploading = engine.archives.putArchive(id, pack.stream, plan.dest, signal).catch((error: unknown) => {
      pack.stream.destroy(); // stop reading files nobody will receive
      throw error;
    });
    const [stats] = await Promise.all([pack.done, uploading]);
    logger.info(`    ${stats.files} files, ${stats.directories} directories, ${stats.symlinks} symlinks, ${formatBytes(stats.bytes)}`);
  });
}

interface DirectPlan {
  source: PreparedSource;
  run: ScriptLocation;
  buildUser: BuildUser;
  dest: string;
  filter: (relative: string, directory: boolean) => boolean;
  /** The notebook user's home, where work/ and .tjs2i/ are. */
  home: string;
}

/** The course files as assemble would leave them, written into the container in one archive. */
async function writeDirect(engine: Pick<Engine, 'archives'>, id: string, plan: DirectPlan, logger: Logger, signal?: AbortSignal): Promise<void> {
  await logger.step('write', `source to ${posix.join(plan.home, 'work')} and ${posix.join(plan.home, '.tjs2i', 'course')} (hard links)`, async () => {
    // A run script not in the image goes where an assemble build would put it.
    if (plan.run.hostPath) {
      const scripts = packTrees({
        uid: plan.buildUser.uid,
        gid: 0,
        trees: [],
        files: [{ source: plan.run.hostPath, name: `scripts/${plan.run.name}`, mode: 0o755 }],
      });
      await Promise.all([scripts.done, engine.archives.putArchive(id, scripts.stream, plan.dest, signal)]);
    }
    const pack = packDirect({
      sourceDir: plan.source.dir,
      filter: plan.filter,
      uid: plan.buildUser.uid,
      onSkip: (path, reason) => logger.warn(`skipped ${path}: ${reason}`),
    });
    const writing = engine.archives.putArchive(id, pack.stream, plan.home, signal).catch((error: unknown) => {
      pack.stream.destroy();
      throw error;
    });
    const [stats] = await Promise.all([pack.done, writing]);
    logger.info(`    ${stats.files} files, ${stats.directories} directories, ${stats.symlinks} symlinks, ${formatBytes(stats.bytes)}`);
  });
}

interface PreviousPlan {
  previous: ImageInfo | undefined;
  options: BuildOptions;
  source: PreparedSource;
  buildUser: BuildUser;
  env: EnvVar[];
  dest: string;
}

/** --incremental: the previous image's artifacts, or undefined for a clean build (said why). */
async function previousArtifacts(
  engine: Pick<Engine, 'containers' | 'archives'>,
  plan: PreviousPlan,
  logger: Logger,
  signal?: AbortSignal,
): Promise<SavedArtifacts | undefined> {
  const { previous } = plan;
  if (!previous) {
    logger.info(`    no previous image ${plan.options.output}: a clean build`);
    return undefined;
  }
  // save-artifacts is looked up as assemble is, except that the image is the previous one.
  const finder = new ScriptFinder(
    { scriptsUrl: plan.options.scriptsUrl, sourceDir: plan.source.dir, imageScriptsUrl: previous.labels[Label.scriptsUrl], destination: plan.dest },
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
        { image: previous.id, script, user: plan.buildUser.user, uid: plan.buildUser.uid, env: toDockerEnv(plan.env), destination: plan.dest },
        logger,
        signal,
      ),
    );
  } finally {
    await finder.cleanup();
  }
}

async function labelsFor(
  engine: Pick<Engine, 'archives'>,
  id: string,
  builder: BuilderImage,
  options: BuildOptions,
  source: PreparedSource,
  recorded: Record<string, string>,
  logger: Logger,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  const raw = await engine.archives.readFile(id, IMAGE_METADATA_PATH, signal).catch((error: unknown) => {
    logger.warn(`could not read ${IMAGE_METADATA_PATH}: ${(error as Error).message}`);
    return undefined;
  });
  const metadata = raw ? parseImageMetadata(raw.toString('utf8')) : undefined;
  for (const problem of metadata?.problems ?? []) logger.warn(`${IMAGE_METADATA_PATH}: ${problem}`);
  return outputLabelsOf(builder, options, source, metadata?.labels, recorded, logger);
}

function outputLabelsOf(
  builder: BuilderImage,
  options: BuildOptions,
  source: PreparedSource,
  metadata: Record<string, string> | undefined,
  recorded: Record<string, string>,
  logger: Logger,
): Record<string, string> {
  const { labels, ignored } = outputLabels({
    builder: builder.labels,
    metadata,
    applicationName: options.applicationName,
    description: options.description,
    provenance: { ...provenanceLabels(options.builder, source.provenance), ...recorded },
  });
  if (ignored.length) logger.warn(`${IMAGE_METADATA_PATH}: ignored ${ignored.join(', ')} (provenance labels are set by tjs2i)`);
  return labels;
}
