/**
 * What a build needs to know about its builder image: its numeric user, where its scripts are,
 * the configuration the output image inherits.
 */
import type { ImageClient, ImageInfo } from '../engine/image-client.js';
import { ImageNotFoundError, UserNotAllowedError } from '../common/errors.js';
import { DEFAULT_DESTINATION, Label } from './labels.js';

export interface BuilderImage {
  name: string;
  id: string;
  /** os/architecture[/variant]. */
  platform: string;
  /** The image's USER, numeric ("1000" or "1000:0"). */
  user: string;
  uid: number;
  entrypoint: string[];
  labels: Record<string, string>;
  scriptsUrl?: string;
  destination: string;
  /** The `io.openshift.s2i.assemble-user` label: who runs assemble when --assemble-user is not given. */
  assembleUser?: string;
}

/** uid (and gid) of a numeric USER, or undefined for a name or an empty USER. */
export function parseNumericUser(user: string): { uid: number; gid?: number } | undefined {
  const match = /^(\d+)(?::(\d+))?$/.exec(user.trim());
  if (!match) return undefined;
  return { uid: Number(match[1]), ...(match[2] !== undefined ? { gid: Number(match[2]) } : {}) };
}

/** The uid a build may run as: USER must be numeric and not root. */
export function checkBuilderUser(image: string, user: string): number {
  const parsed = parseNumericUser(user);
  if (!parsed) {
    const what = user.trim() ? `a name (${user.trim()})` : 'empty (root)';
    throw new UserNotAllowedError(
      `builder ${image} has USER ${what}; a builder must declare a numeric, non-root USER`,
      'make the builder with `tjs2i builder`, or derive one with a numeric USER such as 1000',
    );
  }
  if (parsed.uid === 0) {
    throw new UserNotAllowedError(
      `builder ${image} runs as root (USER ${user}); builds never run as root`,
      'make the builder with `tjs2i builder`, or derive one with a numeric non-root USER',
    );
  }
  return parsed.uid;
}

/** What to do about a builder that is nowhere. */
export const MISSING_BUILDER_HINT = 'make it first, e.g. `tjs2i builder minimal-notebook`, or check the name';

export async function inspectBuilder(images: ImageClient, name: string, signal?: AbortSignal): Promise<BuilderImage> {
  const info = await images.inspectImage(name, signal);
  if (!info) throw new ImageNotFoundError(name, MISSING_BUILDER_HINT);
  return builderFromImage(name, info);
}

/** The builder described by its inspected image (checks its USER). */
export function builderFromImage(name: string, info: ImageInfo): BuilderImage {
  const uid = checkBuilderUser(name, info.user);
  const scriptsUrl = info.labels[Label.scriptsUrl];
  const assembleUser = info.labels[Label.assembleUser]?.trim();
  return {
    name,
    id: info.id,
    platform: info.platform,
    user: info.user.trim(),
    uid,
    entrypoint: info.entrypoint ?? [],
    labels: info.labels,
    ...(scriptsUrl ? { scriptsUrl } : {}),
    destination: info.labels[Label.destination] || DEFAULT_DESTINATION,
    ...(assembleUser ? { assembleUser } : {}),
  };
}
