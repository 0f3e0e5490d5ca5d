/**
 * A failed push as the user should read it. The engine reports push failures inside the progress
 * stream (`{"error": ...}`, after answering 200) or as its HTTP answer; its client throws both as an
 * ImageTransferError, which ends here as a RegistryPushError (exit 6, PushFailedError): the image is
 * built and tagged locally, and the message says so, then whether the registry refused the
 * credentials, wanted some, denied the account access to that repository (Docker Hub's `denied:`
 * for a `library/` name, which only official images may use), or could not be reached. A
 * credential helper that was passed over is named when the registry wanted credentials.
 * Credentials are redacted from the engine's words.
 */
import { PushFailedError } from '../common/errors.js';
import { describeRegistry, DOCKER_HUB, pushTargetOf, type PushTarget } from './push-target.js';
import { redactCredentials } from '../common/redact.js';
import { ImageTransferError } from '../engine/engine-errors.js';
import type { ImageClient, RegistryAuth } from '../engine/image-client.js';
import type { ProgressEvent } from '../engine/progress-stream.js';

export type PushFailureKind = 'unauthorized' | 'denied' | 'unreachable' | 'other';

const UNREACHABLE =
  /connection refused|no such host|i\/o timeout|no route to host|network is unreachable|connection reset|tls handshake timeout|server misbehaving|client\.timeout|context deadline exceeded|dial tcp/i;
/** The registry wants (other) credentials. */
const UNAUTHENTICATED = /unauthorized|authentication required|no basic auth credentials|\b401\b/i;
/** The registry knows who is asking and says no (Docker Hub: `denied: requested access to the resource is denied`). */
const DENIED = /denied:/i;
const UNAUTHORIZED = /access.*denied|forbidden|insufficient_scope|\b403\b/i;

export interface PushContext {
  /** Where the credentials came from; null when none were found; undefined when not known here. */
  credentialsFrom?: string | null;
  /** Values to mask in the engine's words. */
  secrets?: readonly string[];
  /** The name had no registry host, so the push went to Docker Hub. */
  implicitRegistry?: boolean;
  /** Credential helpers that were missing or failed and were passed over (their messages). */
  helperFailures?: readonly string[];
}

export class RegistryPushError extends PushFailedError {
  constructor(
    readonly reference: string,
    readonly kind: PushFailureKind,
    /** The engine's words, one line, credentials redacted. */
    readonly detail: string,
    message: string,
    hint?: string,
  ) {
    super(message, hint);
  }
}

export function classifyPushFailure(detail: string): PushFailureKind {
  if (UNREACHABLE.test(detail)) return 'unreachable';
  if (UNAUTHENTICATED.test(detail)) return 'unauthorized';
  if (DENIED.test(detail)) return 'denied';
  if (UNAUTHORIZED.test(detail)) return 'unauthorized';
  return 'other';
}

/** The error for a push of `reference` to `registry` that failed with the engine's `detail`. */
export function pushFailure(reference: string, registry: string, detail: string, context: PushContext = {}): RegistryPushError {
  const text = redactCredentials(detail.trim().replace(/\s+/g, ' '), context.secrets ?? []) || 'no detail from the engine';
  const kind = classifyPushFailure(text);
  const name = describeRegistry(registry);
  const failed = `${reference} is built and tagged locally, but pushing it failed`;
  const retry = 'then rerun with --push (an up-to-date image is not rebuilt)';
  const hub =
    context.implicitRegistry && registry === DOCKER_HUB
      ? '; the name has no registry host, so it went to Docker Hub: put the host first (host[:port]/name:tag) for another registry'
      : '';
  const error = (message: string, hint: string) => new RegistryPushError(reference, kind, text, message, hint);
  const helpers = context.helperFailures?.length ? context.helperFailures.join('; ') : '';
  const helperHint = helpers ? 'fix that credential helper or remove it from that file, or ' : '';
  const { path } = pushTargetOf(reference);
  // Docker Hub's library/ is for official images: a name without a user or organisation cannot be pushed.
  const library = registry === DOCKER_HUB && path.startsWith('library/') ? path.slice('library/'.length) : undefined;
  const libraryHint = library ? `; Docker Hub's library/ holds official images only: name it <user>/${library} (your Docker Hub user or organisation)` : '';
  if (kind === 'denied' && context.credentialsFrom !== null)
    return error(
      `${failed}: the registry ${name} denied access to the repository ${path}${context.credentialsFrom ? ` to the account from ${context.credentialsFrom}` : ''}: it may not push there (${text})`,
      library
        ? `name it <user>/${library} (your Docker Hub user or organisation): Docker Hub's library/ holds official images only, ${retry}${hub}`
        : `check that the account may push to ${path} on ${registry} (and that the repository exists, if the registry does not create it), ${retry}${hub}`,
    );
  switch (kind) {
    case 'unreachable':
      return error(
        `${failed}: the registry ${name} could not be reached (${text})`,
        `check that the registry ${registry} is running and that the Docker engine can reach it, ${retry}${hub}`,
      );
    // Without credentials, being denied is wanting them.
    case 'denied':
    case 'unauthorized':
      if (context.credentialsFrom)
        return error(
          `${failed}: the registry ${name} refused the credentials from ${context.credentialsFrom}${helpers ? `, found after ${helpers}` : ''} (${text})`,
          `check the user and password (or token) for ${registry} there, or log in again (docker login ${registry}), ${retry}${hub}`,
        );
      if (context.credentialsFrom === null)
        return error(
          `${failed}: the registry ${name} wants credentials and none were found for ${registry}${helpers ? `: ${helpers}` : ''} (${text})`,
          `${helperHint}log in (docker login ${registry}), or give them in DOCKER_AUTH_CONFIG, REGISTRY_AUTH_FILE or $DOCKER_CONFIG/config.json, ${retry}${hub}${libraryHint}`,
        );
      return error(`${failed}: the registry ${name} refused it (${text})`, `check the credentials for ${registry}, ${retry}${hub}`);
    default:
      return error(`${failed}: ${text}`, `check the name, and that the registry ${registry} accepts pushes to it, ${retry}${hub}`);
  }
}

/**
 * The engine's push of `target` with these credentials: the digest the registry gave, when the
 * engine told it. What the engine or the registry refused becomes a RegistryPushError, explained
 * with what `context` says of the credentials.
 */
export async function pushToRegistry(
  images: Pick<ImageClient, 'pushImage'>,
  target: PushTarget,
  auth: RegistryAuth | undefined,
  onEvent: (event: ProgressEvent) => void,
  signal?: AbortSignal,
  context: PushContext = {},
): Promise<string | undefined> {
  try {
    return await images.pushImage(target.repository, target.tag, auth, onEvent, signal);
  } catch (error) {
    throw error instanceof ImageTransferError ? pushFailure(target.reference, target.registry, error.detail, context) : error;
  }
}
