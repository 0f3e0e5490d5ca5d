/**
 * `tjs2i build --as-dockerfile PATH`: no container is run. The sources (filtered as for a build)
 * and any external scripts are written next to PATH under `upload/`, and PATH gets a Dockerfile
 * that docker build, buildah or kaniko turn into the image `tjs2i build` would commit.
 * Unlike s2i, when an engine answers and has the builder, its labels are honoured (scripts URL,
 * destination, assemble user, USER); otherwise the defaults of a tjs2i builder are used, and said.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { BuildOptions } from './build-options.js';
import { renderDockerfile } from './as-dockerfile-text.js';
import type { Engine } from '../engine/engine.js';
import { throwIfAborted, UsageError } from '../common/errors.js';
import { extractTo } from './as-dockerfile-context.js';
import { inspectBuilderIfPossible, type InspectedBuilder } from './find-builder.js';
import type { Logger } from '../common/log.js';
import { outputLabels } from './output-labels.js';
import { planBuild, type BuildPlan, type MadeWhilePlanning, type PlanMode } from './plan-build.js';
import { packTrees } from '../source/pack-trees.js';

export interface DockerfileResult {
  dockerfile: string;
  context: string;
  builderInspected: boolean;
}

/**
 * Nothing runs in the builder, so it is inspected only if an engine answers and has it, else a
 * tjs2i builder is assumed; every source step is shown as `source`; the Dockerfile lists the variables.
 */
const AS_DOCKERFILE: PlanMode<InspectedBuilder | undefined> = { findBuilder: inspectBuilderIfPossible, showsClone: false, logsEnvironment: false };

/** Where the Dockerfile and its context go, and the temporary names they are written under first. */
interface ContextPaths {
  /** As given to --as-dockerfile, for messages. */
  given: string;
  dockerfile: string;
  context: string;
  uploadDir: string;
  staging: string;
  tmpDockerfile: string;
}

export async function writeAsDockerfile(
  engine: Pick<Engine, 'images'>,
  path: string,
  options: BuildOptions,
  logger: Logger,
  signal?: AbortSignal,
): Promise<DockerfileResult> {
  if (options.incremental || options.removePrevious) {
    throw new UsageError('--incremental and --rm need an engine build', 'drop them, or drop --as-dockerfile');
  }
  const paths = contextPaths(path);
  for (const existing of [paths.dockerfile, paths.uploadDir]) {
    if (await lstat(existing).catch(() => undefined)) {
      throw new UsageError(`${existing} already exists`, 'remove it, or give --as-dockerfile a path in a new directory');
    }
  }
  const made: MadeWhilePlanning = {};
  /** The first directory this run made for the context, removed again if nothing was written. */
  let created: string | undefined;
  let written = false;
  try {
    const plan = await planBuild(engine, options, AS_DOCKERFILE, made, logger, signal);
    const text = dockerfileOf(plan, options);
    await logger.step('write', `${basename(paths.dockerfile)} and upload/ in ${paths.context}`, async () => {
      created = await mkdir(paths.context, { recursive: true });
      await writeContext(plan, paths, logger, signal);
      // Everything is written under temporary names and renamed last, so an interrupted or failed
      // run leaves neither a half context nor a Dockerfile without its upload/.
      await writeFile(paths.tmpDockerfile, text, { flag: 'wx' });
      await rename(paths.staging, paths.uploadDir);
      await rename(paths.tmpDockerfile, paths.dockerfile).catch(async (error: unknown) => {
        await rm(paths.uploadDir, { recursive: true, force: true });
        throw error;
      });
      written = true;
    });
    logger.info(`wrote ${paths.dockerfile}; build it with: docker build -t <image> ${paths.context}`);
    return { dockerfile: paths.dockerfile, context: paths.context, builderInspected: plan.builder !== undefined };
  } finally {
    const { source, scripts } = made;
    await rm(paths.staging, { recursive: true, force: true }).catch(() => undefined);
    await rm(paths.tmpDockerfile, { force: true }).catch(() => undefined);
    if (!written && created) await rm(created, { recursive: true, force: true }).catch(() => undefined);
    await scripts?.cleanup().catch(() => undefined);
    await source?.cleanup().catch((error: unknown) => logger.warn(`could not remove ${source.dir}: ${String(error)}`));
  }
}

function contextPaths(given: string): ContextPaths {
  const dockerfile = resolve(given);
  const context = dirname(dockerfile);
  const suffix = randomBytes(4).toString('hex');
  return {
    given,
    dockerfile,
    context,
    uploadDir: join(context, 'upload'),
    staging: join(context, `.tjs2i-upload-${suffix}`),
    tmpDockerfile: `${dockerfile}.tjs2i-${suffix}`,
  };
}

/** The Dockerfile of the plan: what an engine build would do, as Dockerfile instructions. */
function dockerfileOf(plan: BuildPlan<InspectedBuilder | undefined>, options: BuildOptions): string {
  const { labels } = outputLabels(plan.labels);
  // The FROM image brings its own labels: only the ones this build changes are written.
  const changed = Object.fromEntries(Object.entries(labels).filter(([k, v]) => plan.labels.builder[k] !== v));
  return renderDockerfile({
    builder: options.builder,
    assembleUser: plan.buildUser.user,
    assembleUid: plan.buildUser.uid,
    imageUser: plan.imageUser,
    destination: plan.destination,
    assemble: plan.assemble.imagePath,
    run: plan.run.imagePath,
    uploadsScripts: plan.scriptFiles.length > 0,
    env: plan.env,
    labels: changed,
  });
}

/** The source (filtered as for a build) and the external scripts, written into the staging directory. */
async function writeContext(plan: BuildPlan<InspectedBuilder | undefined>, paths: ContextPaths, logger: Logger, signal?: AbortSignal): Promise<void> {
  // A context inside the source would be packed into itself while it is written.
  const inside = relative(await realpath(plan.source.dir), await realpath(paths.context));
  const within = inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? inside.split(sep).join('/') : undefined;
  if (inside === '') {
    throw new UsageError(`--as-dockerfile ${paths.given} would write into the top of the source`, 'give a path outside the source, or in a subdirectory of it');
  }
  const filter = await plan.sourceFilter();
  const exclusion = within ? (r: string, d: boolean) => r === within || r.startsWith(`${within}/`) || filter(r, d) : filter;
  await mkdir(paths.staging);
  const pack = packTrees({
    uid: plan.buildUser.uid,
    gid: 0,
    trees: [{ dir: plan.source.dir, prefix: 'src', exclude: exclusion }],
    files: plan.scriptFiles,
    onSkip: (p, reason) => logger.warn(`skipped ${p}: ${reason}`),
  });
  const [packed] = await Promise.all([pack.done, extractTo(paths.staging, pack.stream)]);
  logger.info(`    ${packed.files} files, ${packed.directories} directories, ${packed.symlinks} symlinks`);
  if (plan.scriptFiles.length === 0) await mkdir(join(paths.staging, 'scripts'));
  throwIfAborted(signal);
}
