/**
 * The user a check starts an image as: an arbitrary UID with group 0, as OpenShift assigns one (its
 * projects get blocks of UIDs from 1000000000 up; this range is one such block of blocks), with no
 * entry in the image's /etc/passwd. Never root, whatever the image's USER says.
 */
import { randomInt } from 'node:crypto';

export const ARBITRARY_UID_RANGE = { min: 1_000_660_000, max: 1_000_999_999 } as const;

export function arbitraryUid(random: (min: number, max: number) => number = randomInt): number {
  return random(ARBITRARY_UID_RANGE.min, ARBITRARY_UID_RANGE.max + 1);
}

/** The engine's `--user` for it: the UID and group 0. */
export const userSpec = (uid: number) => `${uid}:0`;
