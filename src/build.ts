/**
 * The S2I build pipeline: inspect the builder, fetch the source, upload it into a container made
 * from the builder, run assemble as the builder's numeric user, commit with the run script as Cmd.
 * Every stage is a timed step; the build container and temporary directories are removed on every
 * path; the output tag is only written by the final commit, so a failed build never moves it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { inspectBuilder } from './builder-image.js';
import type { Engine } from './engine.js';
import { BuildFailedError, throwIfAborted, UsageError } from './errors.js';
import { isGitUrl } from './git-url.js';
import { isValidImageName, parseImageRef } from './image-ref.js';
import { formatBytes, type Logger } from './log.js';
import { redactCredentials } from './redact.js';
import { BUILD_LABEL_PREFIX, findScript, provenanceLabels } from './s2i.js';
import { prepareSource, type SourceSpec } from './source.js';
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

export async function build(engine: Engine, options: BuildOptions, logger: Logger, signal?: AbortSignal): Promise<BuildResult> {
  const started = performance.now();
  if (!isValidImageName(options.output)) {
    throw new UsageError(`invalid output image name ${options.output}`, 'use lowercase name[:tag], e.g. my-course:latest');
  }
  const output = parseImageRef(options.output);

  const builder = await logger.step('inspect', `builder ${options.builder}`, () => inspectBuilder(engine, options.builder, signal));
  throwIfAborted(signal);

  const stepName = isGitUrl(options.source.location) || existsSync(join(options.source.location, '.git')) ? 'clone' : 'source';
  const source = await logger.step(stepName, redactCredentials(options.source.location), () =>
    prepareSource(options.source, logger, signal),
  );
  let containerId: string | undefined;
  try {
    throwIfAborted(signal);
    const assemble = await findScript('assemble', source.dir, builder.scriptsUrl, builder.destination);
    const run = await findScript('run', source.dir, builder.scriptsUrl, builder.destination);
    logger.debug(`assemble: ${assemble.imagePath} (${assemble.origin}); run: ${run.imagePath} (${run.origin})`);

    const name = `tjs2i-build-${randomBytes(6).toString('hex')}`;
    containerId = await engine.createContainer(
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
    const id = containerId;

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

    // A builder that was itself built by S2I carries build.* labels of its own: they describe
    // another build and must not survive into this image's provenance.
    const inherited = Object.fromEntries(Object.entries(builder.labels).filter(([key]) => !key.startsWith(BUILD_LABEL_PREFIX)));
    const labels = { ...inherited, ...provenanceLabels(options.builder, source.provenance) };
    const imageId = await logger.step('commit', `${output.repository}:${output.tag}`, () =>
      engine.commit(id, { ...output, cmd: [run.imagePath], user: builder.user, entrypoint: builder.entrypoint, labels }, signal),
    );
    const info = await engine.inspectImage(imageId, signal);
    return {
      image: `${output.repository}:${output.tag}`,
      imageId,
      size: info?.size ?? 0,
      durationMs: performance.now() - started,
      labels,
    };
  } finally {
    // Best effort: a cleanup failure is reported but never hides the build's own error.
    if (containerId) await engine.removeContainer(containerId).catch((error: unknown) => logger.warn(`could not remove build container: ${String(error)}`));
    await source.cleanup().catch((error: unknown) => logger.warn(`could not remove ${source.dir}: ${String(error)}`));
  }
}
