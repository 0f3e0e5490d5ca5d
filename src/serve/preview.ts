/**
 * `tjs2i preview`: build a source to a throwaway tag and serve it at once; the image is removed when
 * the preview ends (Ctrl-C, a server that dies) unless it is kept. A failed or interrupted build
 * tags nothing, so there is nothing to remove then.
 */
import type { BuildOptions, BuildResult } from '../build/build.js';
import type { Engine } from '../engine/engine.js';
import { shortId } from '../engine/short-id.js';
import { uniqueName } from '../engine/unique-name.js';
import { formatBytes, formatDuration, type Logger } from '../common/log.js';
import { runImage, type RunImageOptions, type RunImageResult, type ServerReady } from './run-image.js';

export const PREVIEW_IMAGE_PREFIX = 'tjs2i-preview-';
export const DEFAULT_PREVIEW_BUILDER = 'jupyter-minimal-notebook';

export interface PreviewResult extends RunImageResult {
  imageId: string;
  /** Whether the image is still there (--keep). */
  kept: boolean;
}

/** A fresh throwaway tag. */
export function previewTag(): string {
  return uniqueName(PREVIEW_IMAGE_PREFIX, ':latest');
}

export async function preview(
  engine: Engine,
  buildOptions: Omit<BuildOptions, 'output'>,
  runOptions: RunImageOptions,
  keep: boolean,
  logger: Logger,
  signal: AbortSignal | undefined,
  onReady: (ready: ServerReady) => void,
): Promise<PreviewResult> {
  const tag = previewTag();
  // The pipeline loads when a preview runs, not when the CLI starts (see cli/main.ts).
  const { build } = await import('../build/build.js');
  const built: BuildResult = await build(engine, { ...buildOptions, output: tag }, logger, signal);
  logger.info(`built ${built.image} (${shortId(built.imageId)}), ${formatBytes(built.size)}, in ${formatDuration(built.durationMs)}`);
  try {
    const served = await runImage(engine, built.image, runOptions, logger, signal, onReady);
    return { ...served, imageId: built.imageId, kept: keep };
  } finally {
    if (keep) logger.info(`kept the image ${built.image}`);
    else {
      await engine.images
        .removeImage(built.image)
        .then(() => logger.info(`removed the image ${built.image}`))
        .catch((error: unknown) => logger.warn(`could not remove the image ${built.image}: ${(error as Error).message}`));
    }
  }
}
