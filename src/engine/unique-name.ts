/**
 * Names of what tjs2i makes in the engine (containers, throwaway tags): a prefix that says what it
 * is, so leftovers can be found (CI and the tests look for these), and a random part no other run
 * uses.
 */
import { randomBytes } from 'node:crypto';

/** Build containers: assemble's, and save-artifacts' and usage's (with a suffix). */
export const BUILD_CONTAINER_PREFIX = 'tjs2i-build-';
/** The created, never started, container that answers `tjs2i builder`'s questions about the base image. */
export const INSPECT_CONTAINER_PREFIX = 'tjs2i-inspect-';
/** The containers of `tjs2i check`: the image's command under an arbitrary UID, the shell probe, the one that answers questions about files. */
export const CHECK_CONTAINER_PREFIX = 'tjs2i-check-';
/** On Podman, the throwaway containers that tell who owns a path (owner-probe.ts). */
export const OWNERS_CONTAINER_PREFIX = 'tjs2i-owners-';

/** `prefix`, 12 random hex digits, `suffix`. */
export function uniqueName(prefix: string, suffix = ''): string {
  return `${prefix}${randomBytes(6).toString('hex')}${suffix}`;
}
