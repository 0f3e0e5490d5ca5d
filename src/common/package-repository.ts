/**
 * The Git repository tjs2i comes from, from the `repository` field of its package.json, as a URL a
 * cluster can clone without credentials (https). The OpenShift builder templates build from this
 * repository's stacks/ directories, so it is their default source; without one (no field, or a form
 * that needs credentials, such as ssh) the templates ask for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-files.js';

/** npm's shorthands (`github:owner/repo`, a bare `owner/repo` is GitHub) and where they live. */
const HOSTS: Record<string, string> = { github: 'github.com', gitlab: 'gitlab.com', bitbucket: 'bitbucket.org' };
const SHORTHAND = /^(?:(github|gitlab|bitbucket):)?([\w.-]+\/[\w.-]+?)(?:\.git)?$/;

/** The https URL of a package.json `repository` value, or undefined when it has none. */
export function repositoryUrlOf(field: unknown): string | undefined {
  const record = field !== null && typeof field === 'object' ? (field as { url?: unknown; directory?: unknown }) : undefined;
  // A package in a subdirectory of its repository: the stacks/ paths would be relative to that directory.
  if (record?.directory !== undefined) return undefined;
  const value = typeof field === 'string' ? field : record?.url;
  if (typeof value !== 'string') return undefined;
  const url = value.trim().replace(/^git\+/, '');
  if (/^https?:\/\/[^\s/]+\/\S+$/.test(url)) return url;
  const short = SHORTHAND.exec(url);
  return short ? `https://${HOSTS[short[1] ?? 'github']}/${short[2]}.git` : undefined;
}

export function tjs2iRepositoryUrl(): string | undefined {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { repository?: unknown };
  return repositoryUrlOf(pkg.repository);
}
