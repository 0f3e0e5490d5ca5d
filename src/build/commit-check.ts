/**
 * A commit checked before it is tagged: the committed image must hold the Cmd, Entrypoint, User and
 * labels asked for, on any engine. An engine that answered the commit with success without applying
 * its configuration (Podman before 4.8, through its Docker API) gets one clear line, and the image it
 * made is removed untagged, so the output tag does not move.
 */
import { EngineResultError } from '../common/errors.js';
import type { CommitSpec } from '../engine/container-client.js';
import type { Engine } from '../engine/engine.js';
import type { EngineIdentity } from '../engine/engine-identity.js';
import type { ImageInfo } from '../engine/image-client.js';
import { describeDifferences, imageDifferences } from '../engine/image-check.js';
import { shortId } from '../engine/short-id.js';

/** How long the failure's message waits for the engine to say which it is. */
const IDENTIFY_TIMEOUT_MS = 2000;

/**
 * The committed image as the engine has it, once it holds what `spec` asked; otherwise the image
 * is removed (best effort) and an EngineResultError (exit 1) names what the engine did not apply.
 */
export async function checkedCommit(
  engine: Pick<Engine, 'images' | 'endpoint'> & Partial<Pick<Engine, 'identify'>>,
  committed: string,
  spec: CommitSpec,
  output: string,
): Promise<ImageInfo> {
  // No signal, as for the commit: an interruption is handled by the caller once this returns.
  const info = await engine.images.inspectImage(committed);
  const differences = info ? imageDifferences(spec, info) : [];
  if (info && differences.length === 0) return info;
  await engine.images.removeImage(committed).catch(() => undefined);
  const identity = await identityOf(engine);
  const who = identity ? `${identity.name} ${identity.version}` : 'the engine';
  const what = info
    ? `${who}'s commit API ignored the configuration it was sent: ${describeDifferences(differences)}`
    : `${who} answered the commit with image ${shortId(committed)}, which it does not have`;
  throw new EngineResultError(`${what}; ${output} was not written (its tag did not move)`, hintFor(identity, engine.endpoint));
}

function hintFor(identity: EngineIdentity | undefined, endpoint: string): string {
  // On Podman the settings went both in the body and as `changes` (commit-changes.ts): neither took.
  const sent = identity?.kind === 'podman' ? "the commit's configuration and its changes" : "the commit's configuration";
  return `the engine at ${endpoint} did not apply ${sent}: report it with the output of tjs2i version --json`;
}

async function identityOf(engine: Partial<Pick<Engine, 'identify'>>): Promise<EngineIdentity | undefined> {
  try {
    return await engine.identify?.(AbortSignal.timeout(IDENTIFY_TIMEOUT_MS));
  } catch {
    return undefined;
  }
}
