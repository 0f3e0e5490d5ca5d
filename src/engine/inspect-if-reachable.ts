/**
 * An image inspected only if an engine answers in time: for the commands that write files an engine
 * would build later (`--as-dockerfile`), where an engine on hand is a help, not a need.
 */
import { EngineUnreachableError } from '../common/errors.js';
import type { ImageClient, ImageInfo } from './image-client.js';

/** How long an engine may take to say whether it has the image. */
const INSPECT_TIMEOUT_MS = 10_000;

/** The image as the engine has it; undefined when it has none; 'unreachable' when no engine answers in time. */
export async function inspectIfReachable(
  images: Pick<ImageClient, 'inspectImage'>,
  name: string,
  signal?: AbortSignal,
): Promise<ImageInfo | undefined | 'unreachable'> {
  const timeout = AbortSignal.timeout(INSPECT_TIMEOUT_MS);
  try {
    return await images.inspectImage(name, signal ? AbortSignal.any([signal, timeout]) : timeout);
  } catch (error) {
    if (signal?.aborted) throw error;
    if (error instanceof EngineUnreachableError || timeout.aborted) return 'unreachable';
    throw error;
  }
}
