/**
 * Git submodules of a clone: each is checked out at the commit the superproject records, shallow
 * when the server allows it (else with its whole history), then its own submodules, and so on. A
 * relative submodule URL is resolved by git against the URL of its superproject's origin. Which
 * transports are allowed is decided by the caller through the environment of `git`
 * (protocol.file.allow for local sources only).
 */
import { rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { InterruptedError, UsageError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { redactCredentials } from '../common/redact.js';

export interface SubmoduleOptions {
  /** A git runner in a directory, with the environment every fetch needs. */
  git: (baseDir: string) => SimpleGit;
  logger: Logger;
  /** Texts to mask in errors (credentials). */
  secrets: readonly string[];
  signal?: AbortSignal;
}

/** The paths of the gitlinks (submodules) in `git ls-files --stage -z` output. */
export function parseGitlinks(output: string): string[] {
  return output
    .split('\0')
    .map((entry) => /^160000 [0-9a-f]+ \d\t(.*)$/s.exec(entry)?.[1])
    .filter((path): path is string => Boolean(path));
}

/** Submodule names by path, from `git config -z --get-regexp` output of .gitmodules. */
export function parseSubmoduleNames(output: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const entry of output.split('\0')) {
    const newline = entry.indexOf('\n');
    if (newline < 0) continue;
    const key = entry.slice(0, newline);
    const match = /^submodule\.(.*)\.path$/s.exec(key);
    if (match?.[1] !== undefined) names.set(entry.slice(newline + 1), match[1]);
  }
  return names;
}

/**
 * The line of a failed `git submodule update` that says why: the first "fatal:"/"error:" line that
 * is not one of git's own summaries ("clone of ... failed", "Failed to clone ...").
 */
export function submoduleErrorDetail(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const summary = /^fatal: (clone of '.*' into submodule path '.*' failed|Fetched in submodule path|Failed to recurse into submodule path)|^Failed to clone/;
  const cause = lines.find((l) => /^(fatal|error):/.test(l) && !summary.test(l));
  return (cause ?? lines.filter((l) => /^(fatal|error):/.test(l)).pop() ?? lines.pop() ?? 'git failed').replace(/^(fatal|error):\s*/, '');
}

/**
 * Checks out the submodules of the work tree `dir`, recursively. Returns the directories of the
 * submodules checked out (absolute), outer ones first. `prefix` names them in messages.
 */
export async function updateSubmodules(dir: string, options: SubmoduleOptions, prefix = ''): Promise<string[]> {
  const { git, logger, secrets, signal } = options;
  const paths = parseGitlinks(await git(dir).raw(['ls-files', '--stage', '-z']));
  if (paths.length === 0) return [];
  const names = parseSubmoduleNames(
    await git(dir)
      .raw(['config', '--file', '.gitmodules', '-z', '--get-regexp', '^submodule\\..*\\.path$'])
      .catch(() => ''),
  );
  const done: string[] = [];
  for (const path of paths) {
    const shown = `${prefix}${path}`;
    logger.debug(`fetching submodule ${shown}`);
    try {
      await git(dir).raw(['submodule', 'update', '--init', '--depth', '1', '--', path]);
    } catch (shallowError) {
      if (signal?.aborted) throw new InterruptedError();
      // A server may refuse a shallow fetch of a commit that is not the tip of a branch: start over
      // with the whole history.
      logger.debug(
        `shallow fetch of submodule ${shown} failed (${redactCredentials(submoduleErrorDetail(String(shallowError)), secrets)}); fetching all of it`,
      );
      await git(dir)
        .raw(['submodule', 'deinit', '--force', '--', path])
        .catch(() => undefined);
      const name = names.get(path);
      if (name !== undefined && isSafeSubmoduleName(name)) {
        const modules = (
          await git(dir)
            .raw(['rev-parse', '--git-path', 'modules'])
            .catch(() => '')
        ).trim();
        // The name comes from the repository: only ever delete below <git dir>/modules.
        const root = modules ? resolve(dir, modules) : undefined;
        const target = root ? resolve(root, name) : undefined;
        if (root && target && target.startsWith(`${root}${sep}`)) await rm(target, { recursive: true, force: true });
      }
      try {
        await git(dir).raw(['submodule', 'update', '--init', '--', path]);
      } catch (error) {
        if (signal?.aborted) throw new InterruptedError();
        const detail = redactCredentials(submoduleErrorDetail(String((error as Error)?.message ?? error)), secrets);
        throw new UsageError(`cannot fetch submodule ${shown}: ${detail}`, 'check its URL in .gitmodules, or build with --ignore-submodules');
      }
    }
    const subdir = join(dir, path);
    done.push(subdir, ...(await updateSubmodules(subdir, options, `${shown}/`)));
  }
  return done;
}

/**
 * A submodule name git itself would accept (it refuses names with `..` segments or absolute
 * paths, which could point its module directory anywhere); such a name is never used as a path.
 */
export function isSafeSubmoduleName(name: string): boolean {
  if (!name || name.startsWith('/') || name.includes('\\') || name.includes('\0')) return false;
  return !name.split('/').some((part) => part === '..' || part === '.');
}
