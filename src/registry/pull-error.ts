/**
 * A failed pull as the user should read it. The engine reports pull failures either as the HTTP
 * answer (404 "manifest unknown", 500 "dial tcp ... connection refused") or inside the progress
 * stream (`{"error": ...}`); its client throws both as an ImageTransferError, which ends here as a
 * PullFailedError (an ImageNotFoundError, exit 4) that says whether the image is not in its registry
 * or the registry could not be reached.
 */
import { ImageNotFoundError } from '../common/errors.js';
import { redactCredentials } from '../common/redact.js';
import { ImageTransferError } from '../engine/engine-errors.js';
import type { ImageClient } from '../engine/image-client.js';
import type { ProgressEvent } from '../engine/progress-stream.js';

export type PullFailureKind = 'not-found' | 'unreachable' | 'other';

const UNREACHABLE =
  /connection refused|no such host|i\/o timeout|no route to host|network is unreachable|connection reset|tls handshake timeout|server misbehaving|client\.timeout|context deadline exceeded|dial tcp/i;
const NOT_FOUND = /manifest unknown|not found|repository does not exist|name unknown|no such image|pull access denied/i;

export class PullFailedError extends ImageNotFoundError {
  constructor(
    image: string,
    readonly kind: PullFailureKind,
    message: string,
    hint?: string,
  ) {
    super(image, hint, message);
  }
}

export function classifyPullFailure(detail: string): PullFailureKind {
  if (UNREACHABLE.test(detail)) return 'unreachable';
  if (NOT_FOUND.test(detail)) return 'not-found';
  return 'other';
}

/** The registry host of an image reference, as the engine resolves it (docker.io by default). */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/** The error for a pull of `image` that failed with the engine's `detail`. */
export function pullFailure(image: string, detail: string): PullFailedError {
  const text = redactCredentials(detail.trim().replace(/\s+/g, ' ')) || 'no detail from the engine';
  const registry = registryOf(image);
  const kind = classifyPullFailure(text);
  switch (kind) {
    case 'unreachable':
      return new PullFailedError(
        image,
        kind,
        `cannot pull ${image}: the registry ${registry} could not be reached (${text})`,
        `check that the registry ${registry} is running and that the Docker engine can reach it`,
      );
    case 'not-found':
      return new PullFailedError(image, kind, `cannot pull ${image}: not found in the registry ${registry} (${text})`, 'check the name and the tag');
    default:
      return new PullFailedError(image, kind, `cannot pull ${image}: ${text}`, 'check the name, and that the registry allows pulling it');
  }
}

/** The engine's pull of `name`; what the engine or the registry refused becomes a PullFailedError. */
export async function pullFromRegistry(
  images: Pick<ImageClient, 'pullImage'>,
  name: string,
  onEvent: (event: ProgressEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await images.pullImage(name, onEvent, signal);
  } catch (error) {
    throw error instanceof ImageTransferError ? pullFailure(name, error.detail) : error;
  }
}
