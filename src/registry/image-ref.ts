/** Splitting image references ("registry:5000/org/name:tag@sha256:...") into repository and tag. */
export interface ImageRef {
  repository: string;
  tag: string;
}

const REFERENCE =
  /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?$/;

export function isValidImageName(name: string): boolean {
  return REFERENCE.test(name);
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
