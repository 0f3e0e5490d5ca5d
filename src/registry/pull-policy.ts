/**
 * s2i's `--pull-policy`: whether an image is pulled before it is used.
 *   never           use the local image; missing → ImageNotFoundError (exit 4)
 *   if-not-present  use the local image, pull it when it is missing (the default)
 *   always          pull; a failed pull fails even when a local copy exists (as s2i does)
 */
import type { ImageClient, ImageInfo } from '../engine/image-client.js';
import { ImageNotFoundError, throwIfAborted } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { PullFailedError, pullFromRegistry } from './pull-error.js';
import { createPullProgress } from './pull-progress.js';

export const PULL_POLICIES = ['always', 'never', 'if-not-present'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];
export const DEFAULT_PULL_POLICY: PullPolicy = 'if-not-present';

export interface EnsureImageOptions {
  /** How to get the image when it is nowhere (e.g. "make it first with `tjs2i builder`"). */
  missingHint?: string;
  /** Progress on a terminal (one live line) or not (a line every few seconds); default: the logger's. */
  tty?: boolean;
}

/** The image's configuration, after pulling it as the policy says. */
export async function ensureImage(
  images: ImageClient,
  name: string,
  policy: PullPolicy,
  logger: Logger,
  signal?: AbortSignal,
  options: EnsureImageOptions = {},
): Promise<ImageInfo> {
  const local = await images.inspectImage(name, signal);
  if (policy === 'never') {
    if (local) return local;
    throw new ImageNotFoundError(
      name,
      `${options.missingHint ? `${options.missingHint}, ` : ''}or drop \`--pull-policy never\` to let tjs2i pull it`,
      `image ${name} not found locally (--pull-policy never)`,
    );
  }
  if (local && policy === 'if-not-present') return local;
  throwIfAborted(signal);

  logger.info(local ? `    pulling ${name} (--pull-policy always)` : `    ${name} is not here; pulling it`);
  await pull(images, name, logger, signal, options, local !== undefined);
  const pulled = await images.inspectImage(name, signal);
  if (!pulled) throw new ImageNotFoundError(name, options.missingHint, `image ${name} not found after pulling it`);
  return pulled;
}

async function pull(
  images: ImageClient,
  name: string,
  logger: Logger,
  signal: AbortSignal | undefined,
  options: EnsureImageOptions,
  hadLocal: boolean,
): Promise<void> {
  const progress = createPullProgress(name, {
    write: (text) => logger.output(text),
    tty: options.tty ?? logger.terminal,
  });
  try {
    await pullFromRegistry(images, name, (event) => progress.onEvent(event), signal);
  } catch (error) {
    progress.finish();
    if (!(error instanceof PullFailedError)) throw error;
    // A failed pull keeps its message; the hint says what the user can do under this policy.
    let hint: string | undefined;
    if (hadLocal) hint = `${error.hint}, or use \`--pull-policy if-not-present\` to build with the local copy`;
    else if (options.missingHint) hint = error.kind === 'not-found' ? options.missingHint : `${error.hint}; or ${options.missingHint}`;
    else hint = error.hint;
    throw new PullFailedError(name, error.kind, error.message, hint);
  }
  const digest = progress.finish();
  logger.info(`pulled ${name}${digest ? ` (${digest})` : ''}`);
}
