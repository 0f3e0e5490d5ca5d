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
import type { UidRange } from '../s2i/allowed-uids.js';
import { checkAllowedUser } from '../s2i/allowed-uids.js';
import { builderFromImage, checkBuilderUser, type BuilderImage } from '../s2i/builder-image.js';
import { assembleUserOf } from '../s2i/assemble-user.js';
import type { BuildOptions } from './build.js';
import { validateDestination } from './build.js';
import { renderDockerfile } from './as-dockerfile-text.js';
import type { Engine } from '../engine/engine.js';
import { mergeEnvironment, readEnvironmentFile, readSourceEnvironment } from '../s2i/environment.js';
import { EngineUnreachableError, throwIfAborted, UsageError } from '../common/errors.js';
import { extractTo } from './as-dockerfile-context.js';
import type { Logger } from '../common/log.js';
import { outputLabels } from './output-labels.js';
import { redactCredentials } from '../common/redact.js';
import { DEFAULT_DESTINATION, Label, provenanceLabels } from '../s2i/labels.js';
import { ScriptFinder } from '../s2i/scripts.js';
import { compileExclude, readS2iIgnore, sourceFilter } from '../source/source-filter.js';
import { prepareSource } from '../source/prepare-source.js';
import { packTrees, type PackEntry } from '../source/pack-trees.js';

/** What a tjs2i builder has, assumed when the builder cannot be inspected. */
export const DEFAULT_BUILDER_USER = '1000';
export const DEFAULT_SCRIPTS_URL = 'image:///usr/libexec/s2i';
const INSPECT_TIMEOUT_MS = 10_000;

export interface DockerfileResult {
  dockerfile: string;
  context: string;
  builderInspected: boolean;
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
  const dockerfile = resolve(path);
  const context = dirname(dockerfile);
  const uploadDir = join(context, 'upload');
  for (const existing of [dockerfile, uploadDir]) {
    if (await lstat(existing).catch(() => undefined)) {
      throw new UsageError(`${existing} already exists`, 'remove it, or give --as-dockerfile a path in a new directory');
    }
  }
  const exclude = compileExclude(options.exclude);
  const destinationFlag = validateDestination(options.destination);
  const fileEnv = options.environmentFile ? await readEnvironmentFile(options.environmentFile) : [];

  const builder = await inspectIfPossible(engine, options.builder, logger, signal);
  const ranges: UidRange[] = options.allowedUids ?? [];
  const imageUser = builder?.user ?? DEFAULT_BUILDER_USER;
  const buildUser = builder
    ? assembleUserOf(builder, options.assembleUser, ranges)
    : {
        user: (options.assembleUser ?? DEFAULT_BUILDER_USER).trim(),
        uid: checkAllowedUser((options.assembleUser ?? DEFAULT_BUILDER_USER).trim(), ranges, 'assemble user'),
      };
  if (!builder) checkBuilderUser('(assemble user)', buildUser.user);
  const destination = destinationFlag ?? validateDestination(builder?.destination, `the builder label ${Label.destination}`) ?? DEFAULT_DESTINATION;

  const source = await logger.step('source', redactCredentials(options.source.location), () => prepareSource(options.source, logger, signal));
  const finder = new ScriptFinder(
    { scriptsUrl: options.scriptsUrl, sourceDir: source.dir, imageScriptsUrl: builder ? builder.scriptsUrl : DEFAULT_SCRIPTS_URL, destination },
    signal,
  );
  const suffix = randomBytes(4).toString('hex');
  const staging = join(context, `.tjs2i-upload-${suffix}`);
  const tmpDockerfile = `${dockerfile}.tjs2i-${suffix}`;
  /** The first directory this run made for the context, removed again if nothing was written. */
  let created: string | undefined;
  let written = false;
  try {
    const env = mergeEnvironment(fileEnv, await readSourceEnvironment(source.dir), options.env ?? []);
    const assemble = await finder.require('assemble');
    const run = await finder.require('run');
    const scripts: PackEntry[] = [assemble, run]
      .filter((s) => s.hostPath)
      .map((s) => ({ source: s.hostPath as string, name: `scripts/${s.name}`, mode: 0o755 }));
    const { labels } = outputLabels({
      builder: builder?.labels ?? {},
      applicationName: options.applicationName,
      description: options.description,
      provenance: provenanceLabels(options.builder, source.provenance),
    });
    // The FROM image brings its own labels: only the ones this build changes are written.
    const changed = Object.fromEntries(Object.entries(labels).filter(([k, v]) => builder?.labels[k] !== v));
    const text = renderDockerfile({
      builder: options.builder,
      assembleUser: buildUser.user,
      assembleUid: buildUser.uid,
      imageUser,
      destination,
      assemble: assemble.imagePath,
      run: run.imagePath,
      uploadsScripts: scripts.length > 0,
      env,
      labels: changed,
    });

    await logger.step('write', `${basename(dockerfile)} and upload/ in ${context}`, async () => {
      created = await mkdir(context, { recursive: true });
      // A context inside the source would be packed into itself while it is written.
      const inside = relative(await realpath(source.dir), await realpath(context));
      const within = inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? inside.split(sep).join('/') : undefined;
      if (inside === '') {
        throw new UsageError(`--as-dockerfile ${path} would write into the top of the source`, 'give a path outside the source, or in a subdirectory of it');
      }
      const filter = sourceFilter(exclude, (await readS2iIgnore(source.dir))?.rules);
      const exclusion = within ? (r: string, d: boolean) => r === within || r.startsWith(`${within}/`) || filter(r, d) : filter;
      await mkdir(staging);
      const pack = packTrees({
        uid: buildUser.uid,
        gid: 0,
        trees: [{ dir: source.dir, prefix: 'src', exclude: exclusion }],
        files: scripts,
        onSkip: (p, reason) => logger.warn(`skipped ${p}: ${reason}`),
      });
      const [packed] = await Promise.all([pack.done, extractTo(staging, pack.stream)]);
      logger.info(`    ${packed.files} files, ${packed.directories} directories, ${packed.symlinks} symlinks`);
      if (scripts.length === 0) await mkdir(join(staging, 'scripts'));
      throwIfAborted(signal);
      // Everything is written under temporary names and renamed last, so an interrupted or failed
      // run leaves neither a half context nor a Dockerfile without its upload/.
      await writeFile(tmpDockerfile, text, { flag: 'wx' });
      await rename(staging, uploadDir);
      await rename(tmpDockerfile, dockerfile).catch(async (error: unknown) => {
        await rm(uploadDir, { recursive: true, force: true });
        throw error;
      });
      written = true;
    });
    logger.info(`wrote ${dockerfile}; build it with: docker build -t <image> ${context}`);
    return { dockerfile, context, builderInspected: builder !== undefined };
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    await rm(tmpDockerfile, { force: true }).catch(() => undefined);
    if (!written && created) await rm(created, { recursive: true, force: true }).catch(() => undefined);
    await finder.cleanup().catch(() => undefined);
    await source.cleanup().catch((error: unknown) => logger.warn(`could not remove ${source.dir}: ${String(error)}`));
  }
}

/** The builder as the engine knows it, or undefined (with a warning) when there is no engine or no such image. */
async function inspectIfPossible(engine: Pick<Engine, 'images'>, name: string, logger: Logger, signal?: AbortSignal): Promise<BuilderImage | undefined> {
  const timeout = AbortSignal.timeout(INSPECT_TIMEOUT_MS);
  const defaults = `assuming a tjs2i builder (USER ${DEFAULT_BUILDER_USER}, scripts in ${DEFAULT_SCRIPTS_URL}, destination ${DEFAULT_DESTINATION})`;
  try {
    const info = await engine.images.inspectImage(name, signal ? AbortSignal.any([signal, timeout]) : timeout);
    if (!info) {
      logger.warn(`builder ${name} is not in the engine; ${defaults}`);
      return undefined;
    }
    const builder = builderFromImage(name, info);
    logger.info(`    builder ${name} found: USER ${builder.user}${builder.scriptsUrl ? `, scripts ${builder.scriptsUrl}` : ''}`);
    return builder;
  } catch (error) {
    if (signal?.aborted) throw error;
    if (error instanceof EngineUnreachableError || timeout.aborted) {
      logger.warn(`no engine to inspect builder ${name}; ${defaults}`);
      return undefined;
    }
    throw error;
  }
}
