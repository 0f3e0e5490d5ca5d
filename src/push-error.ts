/**
 * A failed push as the user should read it. The engine reports push failures inside the progress
 * stream (`{"error": ...}`, after answering 200) or as its HTTP answer; both end here as a
 * RegistryPushError (exit 6, PushFailedError): the image is built and tagged locally, and the
 * message says so, then whether the registry refused the credentials, wanted some, or could not be
 * reached. Credentials are redacted from the engine's words.
 */
import { PushFailedError } from './errors.js';
import { describeRegistry, DOCKER_HUB } from './push-target.js';
import { redactCredentials } from './redact.js';

export type PushFailureKind = 'unauthorized' | 'unreachable' | 'other';

const UNREACHABLE =
  /connection refused|no such host|i\/o timeout|no route to host|network is unreachable|connection reset|tls handshake timeout|server misbehaving|client\.timeout|context deadline exceeded|dial tcp/i;
const UNAUTHORIZED = /unauthorized|authentication required|no basic auth credentials|access.*denied|denied:|forbidden|insufficient_scope|\b40[13]\b/i;

export interface PushContext {
  /** Where the credentials came from; null when none were found; undefined when not known here. */
  credentialsFrom?: string | null;
  /** Values to mask in the engine's words. */
  secrets?: readonly string[];
  /** The name had no registry host, so the push went to Docker Hub. */
  implicitRegistry?: boolean;
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
  const hub = context.implicitRegistry && registry === DOCKER_HUB ? '; the name has no registry host, so it went to Docker Hub: put the host first (host[:port]/name:tag) for another registry' : '';
  const error = (message: string, hint: string) => new RegistryPushError(reference, kind, text, message, hint);
  switch (kind) {
    case 'unreachable':
      return error(`${failed}: the registry ${name} could not be reached (${text})`, `check that the registry ${registry} is running and that the Docker engine can reach it, ${retry}${hub}`);
    case 'unauthorized':
      if (context.credentialsFrom)
        return error(
          `${failed}: the registry ${name} refused the credentials from ${context.credentialsFrom} (${text})`,
          `check the user and password (or token) for ${registry} there, or log in again (docker login ${registry}), ${retry}${hub}`,
        );
      if (context.credentialsFrom === null)
        return error(
          `${failed}: the registry ${name} wants credentials and none were found for ${registry} (${text})`,
          `log in (docker login ${registry}), or give them in DOCKER_AUTH_CONFIG, REGISTRY_AUTH_FILE or $DOCKER_CONFIG/config.json, ${retry}${hub}`,
        );
      return error(`${failed}: the registry ${name} refused it (${text})`, `check the credentials for ${registry}, ${retry}${hub}`);
    default:
      return error(`${failed}: ${text}`, `check the name, and that the registry ${registry} accepts pushes to it, ${retry}${hub}`);
  }
}
