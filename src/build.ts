/**
 * The S2I build pipeline: inspect the builder, fetch the source, upload it into a container made
 * from the builder, run assemble as the builder's numeric user, commit with the run script as Cmd.
 * Every stage is a timed step; the build container and temporary directories are removed on every
 * path; the output tag is only written by the final commit, so a failed build never moves it.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { inspectBuilder } from './builder-image.js';
import type { Engine } from './engine.js';
import { BuildFailedError, InterruptedError, throwIfAborted, UsageError } from './errors.js';
import { isValidImageName, parseImageRef } from './image-ref.js';
import { formatBytes, type Logger } from './log.js';
import { redactCredentials } from './redact.js';
import { BUILD_LABEL_PREFIX, findScript, provenanceLabels } from './s2i.js';
import { prepareSource, sourceKind, type SourceSpec } from './source.js';
import { TailBuffer } from './tail-buffer.js';
import { packTrees, type PackEntry } from './tar.js';

export interface BuildOptions {
  source: SourceSpec;
  builder: string;
  output: string;
}

export interface BuildResult {
  image: string;
  imageId: string;
  size: number;
  durationMs: number;
  labels: Record<string, string>;
}

const TAIL_LINES = 15;

/**
 * The output image's labels. The engine adds every label of the build container (the builder's)
 * that the commit does not name, so build.* labels a builder carries from a build of its own, which
 * describe another source, are named here with an empty value.
 */
export function outputLabels(builderLabels: Record<string, string>, provenance: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = { ...builderLabels };
  for (const key of Object.keys(labels)) if (key.startsWith(BUILD_LABEL_PREFIX)) labels[key] = '';
  return { ...labels, ...provenance };
}

export async function build(engine: Engine, options: BuildOptions, logger: Logger, signal?: AbortSignal): Promise<BuildResult> {
  const started = performance.now();
  if (!isValidImageName(options.output)) {
    throw new UsageError(`invalid output image name ${options.output}`, 'use lowercase name[:tag], e.g. my-course:latest');
  }
  const output = parseImageRef(options.output);

  const builder = await logger.step('inspect', `builder ${options.builder}`, () => inspectBuilder(engine, options.builder, signal));
  throwIfAborted(signal);

  const stepName = sourceKind(options.source.location, options.source.copy) === 'directory' ? 'source' : 'clone';
  const source = await logger.step(stepName, redactCredentials(options.source.location), () =>
    prepareSource(options.source, logger, signal),
  );
  const name = `tjs2i-build-${randomBytes(6).toString('hex')}`;
  /** The container to remove: its name once creating it was asked for, its id once known. */
  let container: string | undefined;
  try {
    throwIfAborted(signal);
    const assemble = await findScript('assemble', source.dir, builder.scriptsUrl, builder.destination);
    const run = await findScript('run', source.dir, builder.scriptsUrl, builder.destination);
    logger.debug(`assemble: ${assemble.imagePath} (${assemble.origin}); run: ${run.imagePath} (${run.origin})`);

    container = name;
    const id = await engine.createContainer(
      {
        image: builder.id,
        name,
        user: builder.user,
        // As s2i does: /usr/bin/env as entrypoint, so the builder's own entrypoint cannot swallow
        // the assemble command.
        entrypoint: ['/usr/bin/env'],
        cmd: [assemble.imagePath],
      },
      signal,
    );
    container = id;

    await logger.step('upload', `source to ${posix.join(builder.destination, 'src')}`, async () => {
      const scripts: PackEntry[] = [assemble, run]
        .filter((s) => s.hostPath)
        .map((s) => ({ source: s.hostPath as string, name: `scripts/${s.name}`, mode: 0o755 }));
      const pack = packTrees({
        uid: builder.uid,
        gid: 0,
        trees: [{ dir: source.dir, prefix: 'src' }],
        files: scripts,
        onSkip: (path, reason) => logger.warn(`skipped ${path}: ${reason}`),
      });
      const upload = engine.putArchive(id, pack.stream, builder.destination, signal).catch((error: unknown) => {
        pack.stream.destroy(); // stop reading files nobody will receive
        throw error;
      });
      const [stats] = await Promise.all([pack.done, upload]);
      logger.info(`    ${stats.files} files, ${stats.directories} directories, ${stats.symlinks} symlinks, ${formatBytes(stats.bytes)}`);
    });
    throwIfAborted(signal);

    const tail = new TailBuffer(TAIL_LINES);
    const exitCode = await logger.step('assemble', assemble.imagePath, () =>
      engine.run(
        id,
        (chunk) => {
          tail.push(chunk);
          logger.output(chunk);
        },
        signal,
      ),
    );
    throwIfAborted(signal);
    if (exitCode !== 0) {
      throw new BuildFailedError(
        `assemble failed with exit code ${exitCode}; the output image ${options.output} was not written`,
        undefined,
        tail.get(),
      );
    }

    const labels = outputLabels(builder.labels, provenanceLabels(options.builder, source.provenance));
    // Commit untagged and without the abort signal (an aborted request may still complete in the
    // engine), then tag: an interruption up to here removes the new image and moves no tag.
    const imageId = await logger.step('commit', `${output.repository}:${output.tag}`, async () => {
      const committed = await engine.commit(id, { cmd: [run.imagePath], user: builder.user, entrypoint: builder.entrypoint, labels });
      if (signal?.aborted) {
        await engine.removeImage(committed).catch(() => undefined);
        throw new InterruptedError();
      }
      await engine.tagImage(committed, output.repository, output.tag);
      return committed;
    });
    const info = await engine.inspectImage(imageId);
    return {
      image: `${output.repository}:${output.tag}`,
      imageId,
      size: info?.size ?? 0,
      durationMs: performance.now() - started,
      labels,
    };
  } finally {
    // Best effort: a cleanup failure is reported but never hides the build's own error.
    // By name when the create request was interrupted before the engine's answer gave the id.
    if (container) await engine.removeContainer(container).catch((error: unknown) => logger.warn(`could not remove build container ${name}: ${String(error)}`));
    await source.cleanup().catch((error: unknown) => logger.warn(`could not remove ${source.dir}: ${String(error)}`));
  }
}
