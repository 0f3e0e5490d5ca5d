/**
 * Image references ("registry:5000/org/name:tag@sha256:..."): checked as docker's reference grammar
 * (distribution/reference) has them, so that a name tjs2i accepts is one the engine takes; split into
 * repository and tag. Registry hosts are taken lowercase only, which docker also reads everywhere.
 */
import { UsageError } from '../common/errors.js';
import { shownInput } from '../common/message-text.js';

export interface ImageRef {
  repository: string;
  tag: string;
}

/** docker's limit on a repository name, registry host included (NameTotalLengthMax). */
export const MAX_NAME_CHARS = 255;

// One component each, not one expression for the whole name: each stays linear on any input.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]+)?$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** `[host[:port]/]path/components`: the first component may be a registry host when more follow. */
function isValidRepository(repository: string): boolean {
  if (repository.length > MAX_NAME_CHARS) return false;
  const [first = '', ...rest] = repository.split('/');
  return rest.every((component) => PATH_COMPONENT.test(component)) && (PATH_COMPONENT.test(first) || (rest.length > 0 && HOST.test(first)));
}

/** A name to tag an image with: `name[:tag]`, no digest. */
export function isValidImageName(name: string): boolean {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash && !TAG.test(name.slice(colon + 1))) return false;
  return isValidRepository(colon > slash ? name.slice(0, colon) : name);
}

/** An image to use (a builder, a FROM): `name[:tag][@digest]`. */
export function isValidImageReference(reference: string): boolean {
  const at = reference.indexOf('@');
  if (at < 0) return isValidImageName(reference);
  return DIGEST.test(reference.slice(at + 1)) && isValidImageName(reference.slice(0, at));
}

/** An image id as `docker images` shows it (12 hex digits) or in full (`sha256:` and 64): a name an engine takes too. */
export function isImageId(text: string): boolean {
  return /^(sha256:)?[0-9a-f]{12,64}$/.test(text);
}

/** The refusal of an invalid name: `invalid <what> <name>`, the name escaped and cut (it is user input). */
export function invalidImageName(what: string, name: string, hint: string): UsageError {
  return new UsageError(`invalid ${what} ${shownInput(name)}`, hint);
}

/** Repository and tag of a name to tag an image with (no digest); the tag defaults to latest. */
export function parseImageRef(name: string): ImageRef {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) return { repository: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repository: name, tag: 'latest' };
}

/** The name with an explicit tag, as the engine lists it in RepoTags. */
export function normalizeImageName(name: string): string {
  if (name.includes('@')) return name;
  const { repository, tag } = parseImageRef(name);
  return `${repository}:${tag}`;
}
