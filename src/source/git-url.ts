/** Recognising git URLs among source arguments. */
const URL_SCHEMES = /^(https?|ssh|git|file|git\+ssh|ssh\+git):\/\//i;
const SCP_LIKE = /^[\w.-]+@[\w.-]+:(?!\/\/)/;

export function isGitUrl(location: string): boolean {
  return URL_SCHEMES.test(location) || SCP_LIKE.test(location);
}

/** A commit id, full or abbreviated (what a shallow branch/tag clone cannot fetch by name). */
export function looksLikeCommitId(ref: string): boolean {
  return /^[0-9a-f]{4,40}$/i.test(ref);
}

export interface RemoteRefs {
  head?: string;
  branches: Map<string, string>;
  tags: Map<string, string>;
}

/** Parses `git ls-remote` output ("<sha>\t<ref>" lines). */
export function parseLsRemote(output: string): RemoteRefs {
  const refs: RemoteRefs = { branches: new Map(), tags: new Map() };
  for (const line of output.split('\n')) {
    const [sha, name] = line.trim().split(/\s+/);
    if (!sha || !name) continue;
    if (name === 'HEAD') refs.head = sha;
    else if (name.startsWith('refs/heads/')) refs.branches.set(name.slice('refs/heads/'.length), sha);
    else if (name.startsWith('refs/tags/')) {
      const tag = name.slice('refs/tags/'.length);
      if (tag.endsWith('^{}')) refs.tags.set(tag.slice(0, -3), sha);
      else if (!refs.tags.has(tag)) refs.tags.set(tag, sha);
    }
  }
  return refs;
}

export type RefPlan = { kind: 'default' } | { kind: 'named'; name: string } | { kind: 'commit'; id: string };

/** How to fetch `ref` from a remote with these refs; undefined when the remote does not have it. */
export function planRef(ref: string | undefined, refs: RemoteRefs): RefPlan | undefined {
  if (!ref) return { kind: 'default' };
  const short = ref.replace(/^refs\/(heads|tags)\//, '');
  if (refs.branches.has(short) || refs.tags.has(short)) return { kind: 'named', name: short };
  if (looksLikeCommitId(ref)) return { kind: 'commit', id: ref };
  return undefined;
}
