/**
 * Turning the `<source>` argument into a directory to pack, with its provenance: a git URL is
 * cloned (shallow where the ref allows), a directory that is the top of a git work tree is cloned
 * too (so its committed HEAD is built, not stray files), any other directory is used as it is.
 * `--context-dir` then selects a subdirectory.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { simpleGit, type SimpleGit } from 'simple-git';
import { InterruptedError, UsageError } from './errors.js';
import { gitEnvironment, splitCredentials } from './git-env.js';
import { isGitUrl, parseLsRemote, planRef } from './git-url.js';
import type { Logger } from './log.js';
import { credentialsOf, redactCredentials, stripCredentials } from './redact.js';

export interface SourceSpec {
  location: string;
  ref?: string;
  contextDir?: string;
  /** `--copy`: a local directory as it is on disk, even a git work tree. */
  copy?: boolean;
  /** `--ignore-submodules`: do not fetch git submodules. */
  ignoreSubmodules?: boolean;
}

export interface CommitInfo {
  id: string;
  ref: string;
  author: string;
  date: string;
  message: string;
}

export interface Provenance {
  /** Where the source came from, with any credentials removed. */
  location: string;
  contextDir?: string;
  commit?: CommitInfo;
}

export interface PreparedSource {
  /** The directory whose contents become /tmp/src (context dir applied). */
  dir: string;
  provenance: Provenance;
  cleanup(): Promise<void>;
}


/** How a source is fetched: cloned (git URL, or the top of a git work tree) or copied as it is. */
export function sourceKind(location: string): 'git-url' | 'work-tree' | 'directory' {
  if (isGitUrl(location)) return 'git-url';
  return existsSync(join(resolve(location), '.git')) ? 'work-tree' : 'directory';
}

export async function prepareSource(spec: SourceSpec, logger: Logger, signal?: AbortSignal): Promise<PreparedSource> {
  const contextDir = validateContextDir(spec.contextDir);
  const kind = sourceKind(spec.location);
  let base: PreparedSource;
  if (kind === 'git-url') {
    base = await cloneRepository(spec.location, spec.location, spec.ref, logger, signal);
  } else {
    const dir = resolve(spec.location);
    const st = await stat(dir).catch(() => undefined);
    if (!st?.isDirectory()) {
      throw new UsageError(
        `source ${redactCredentials(spec.location, credentialsOf(spec.location))} is neither a directory nor a git URL`,
        'give a local directory or a repository URL (https://, ssh://, git://, file:// or user@host:path)',
      );
    }
    if (kind === 'work-tree') {
      base = await cloneRepository(pathToFileURL(dir).href, dir, spec.ref, logger, signal);
    } else {
      if (spec.ref) {
        throw new UsageError(`--ref ${spec.ref} needs a git repository, but ${dir} is a plain directory`, 'drop --ref, or give the repository');
      }
      base = { dir, provenance: { location: dir }, cleanup: async () => undefined };
    }
  }
  if (!contextDir) return base;
  const dir = join(base.dir, contextDir);
  const st = await stat(dir).catch(() => undefined);
  const inside = st?.isDirectory() ? await isInside(dir, base.dir) : false;
  if (st?.isDirectory() && !inside) {
    await base.cleanup();
    throw new UsageError(`context dir ${contextDir} leads out of the source (a symlink)`, 'give a directory inside the source');
  }
  if (!st?.isDirectory()) {
    await base.cleanup();
    throw new UsageError(
      `context dir ${contextDir} not found in ${base.provenance.location}`,
      '--context-dir is a directory relative to the top of the source',
    );
  }
  return { dir, provenance: { ...base.provenance, contextDir }, cleanup: () => base.cleanup() };
}

/** Whether `dir`, with every symlink resolved, is `root` or below it. */
async function isInside(dir: string, root: string): Promise<boolean> {
  const [real, realRoot] = await Promise.all([realpath(dir), realpath(root)]);
  return real === realRoot || real.startsWith(`${realRoot}${sep}`);
}

/** A relative path that stays inside the source, or undefined for the whole source. */
export function validateContextDir(contextDir: string | undefined): string | undefined {
  if (contextDir === undefined || contextDir === '' || contextDir === '.') return undefined;
  const normalized = normalize(contextDir).replace(/[\\/]+$/, '');
  if (isAbsolute(contextDir) || normalized === '..' || normalized.startsWith(`..${sep}`)) {
    throw new UsageError(`--context-dir ${contextDir} must be a relative path inside the source`);
  }
  return normalized === '.' ? undefined : normalized;
}

async function cloneRepository(
  url: string,
  shownLocation: string,
  ref: string | undefined,
  logger: Logger,
  signal?: AbortSignal,
): Promise<PreparedSource> {
  const location = stripCredentials(shownLocation);
  const secrets = credentialsOf(url);
  const dir = await mkdtemp(join(tmpdir(), 'tjs2i-src-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const { url: remote, authorization } = splitCredentials(url);
  const { env, allowEnvironment, allowUnsafeSshCommand, allowUnsafeConfigEnvCount } = gitEnvironment(process.env, authorization);
  const git = (baseDir?: string): SimpleGit =>
    simpleGit({ baseDir, abort: signal, allowEnvironment, unsafe: { allowUnsafeSshCommand, allowUnsafeConfigEnvCount } }).env(env);
  const fail = (what: string, error: unknown): never => {
    if (signal?.aborted) throw new InterruptedError();
    let detail = lastGitLine(String((error as Error)?.message ?? error));
    if (/could not read (Username|Password)/i.test(detail)) {
      detail = authorization
        ? 'the server refused the credentials given in the URL'
        : 'the server asks for credentials; give them in the URL (https://user:token@host/repo) or use an ssh URL';
    }
    throw new UsageError(`${what}: ${redactCredentials(detail, secrets)}`);
  };
  try {
    const listing = await git()
      .listRemote([remote])
      .catch((error: unknown) => fail(`cannot read repository ${location}`, error));
    const refs = parseLsRemote(listing);
    if (!refs.head && refs.branches.size === 0 && refs.tags.size === 0) {
      throw new UsageError(`repository ${location} has no commits`, 'commit the course files first, or give another ref');
    }
    const plan = planRef(ref, refs);
    if (!plan) {
      throw new UsageError(`ref ${ref} not found in ${location}`, 'give a branch, a tag or a commit id the repository has');
    }
    logger.debug(`cloning ${location} (${plan.kind}${ref ? ` ${ref}` : ''}) into ${dir}`);
    if (plan.kind === 'commit') {
      await git()
        .clone(remote, dir, ['--no-checkout'])
        .catch((error: unknown) => fail(`cannot clone ${location}`, error));
      await git(dir)
        .checkout(['--detach', plan.id])
        .catch((error: unknown) => fail(`ref ${plan.id} not found in ${location}`, error));
    } else {
      const options = ['--depth', '1', ...(plan.kind === 'named' ? ['--branch', plan.name] : [])];
      await git()
        .clone(remote, dir, options)
        .catch((error: unknown) => fail(`cannot clone ${location}`, error));
    }
    const commit = await readCommit(git(dir), ref);
    return { dir, provenance: { location, commit }, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function readCommit(git: SimpleGit, ref: string | undefined): Promise<CommitInfo> {
  const out = await git.raw(['log', '-1', '--format=%H%x1f%an <%ae>%x1f%aI%x1f%B']);
  const [id = '', author = '', date = '', message = ''] = out.split('\x1f');
  const branch = (await git.raw(['rev-parse', '--abbrev-ref', 'HEAD'])).trim();
  return { id: id.trim(), ref: ref ?? (branch === 'HEAD' ? id.trim() : branch), author, date, message: message.trim() };
}

/** The line of git's output that says what went wrong (its last "fatal:" line, or the last line). */
export function lastGitLine(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const fatal = lines.filter((l) => /^(fatal|error):/.test(l)).pop();
  return (fatal ?? lines.pop() ?? 'git failed').replace(/^(fatal|error):\s*/, '');
}
