/**
 * `tjs2i usage <builder>`: run the builder's `usage` script (found through its scripts URL label, as
 * `s2i usage` does) in a throwaway container and pass its output through.
 */
import { inspectBuilder } from './builder-image.js';
import type { Engine } from '../engine/engine.js';
import { BUILD_CONTAINER_PREFIX, uniqueName } from '../engine/unique-name.js';
import { BuildFailedError, throwIfAborted, UsageError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { Label } from './labels.js';
import { ScriptFinder } from './scripts.js';

export async function showUsage(
  engine: Pick<Engine, 'images' | 'containers'>,
  builderName: string,
  write: (chunk: Buffer, stream: 'stdout' | 'stderr') => void,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const builder = await inspectBuilder(engine.images, builderName, signal);
  if (!builder.scriptsUrl) {
    throw new UsageError(`builder ${builderName} has no ${Label.scriptsUrl} label, so it has no usage script`, 'make the builder with `tjs2i builder`');
  }
  const finder = new ScriptFinder({ imageScriptsUrl: builder.scriptsUrl, destination: builder.destination }, signal);
  const script = await finder.require('usage');
  const name = uniqueName(BUILD_CONTAINER_PREFIX, '-usage');
  let container: string | undefined;
  try {
    container = name;
    const id = await engine.containers.createContainer(
      { image: builder.id, name, user: builder.user, entrypoint: ['/usr/bin/env'], cmd: [script.imagePath], env: [`BUILDER_IMAGE=${builderName}`] },
      signal,
    );
    container = id;
    const code = await engine.containers.run(id, write, signal);
    throwIfAborted(signal);
    if (code !== 0) throw new BuildFailedError(`the usage script of ${builderName} (${script.imagePath}) failed with exit code ${code}`);
  } finally {
    if (container)
      await engine.containers.removeContainer(container).catch((error: unknown) => logger.warn(`could not remove container ${name}: ${String(error)}`));
    await finder.cleanup();
  }
}
