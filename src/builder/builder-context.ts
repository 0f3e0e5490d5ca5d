/**
 * The build context of `tjs2i builder <stack> --as-dockerfile DIR`: the Dockerfile and the S2I
 * scripts it copies. Writing it replaces those files one by one (each atomically) and touches
 * nothing else in DIR, so a context kept in a repository (stacks/<stack>/) can be generated again
 * in place. `npm run stacks` writes the repository's six; a unit test keeps them in sync.
 */
import { lstat, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UsageError } from '../common/errors.js';
import { shownInput } from '../common/message-text.js';
import { SCRIPT_NAMES } from '../s2i/builder-scripts.js';
import { s2iScript } from '../common/package-files.js';
import { writeFileAtomic } from '../common/write-file-atomic.js';
import { portableBuilderDockerfile, type PortableBuilderOptions } from './portable-dockerfile.js';
import { STACKS, type Stack } from './stacks.js';

/** Where the repository keeps each stack's context, as the original kept `<stack>/`. */
export const STACKS_DIR = 'stacks';

export interface ContextFile {
  /** Relative to the context directory. */
  path: string;
  content: string;
  mode: number;
}

export async function builderContextFiles(stack: Stack, options: PortableBuilderOptions = {}): Promise<ContextFile[]> {
  const scripts = await Promise.all(SCRIPT_NAMES.map(async (name) => ({ path: `s2i/${name}`, content: await readFile(s2iScript(name), 'utf8'), mode: 0o755 })));
  // The Dockerfile last: a write that fails midway leaves no new Dockerfile beside old scripts.
  return [...scripts, { path: 'Dockerfile', content: portableBuilderDockerfile(stack, options), mode: 0o644 }];
}

/**
 * Writes the files into `dir` (made when missing); returns their paths there. What is in the way (a
 * directory or a link where a file goes, a file where a directory goes) is refused before anything is
 * written; a write that fails is one line naming the path.
 */
export async function writeBuilderContext(dir: string, files: readonly ContextFile[]): Promise<string[]> {
  // DIR first: the order of the refusals is the order of the paths.
  for (const directory of new Set([dir, ...files.map((file) => dirname(join(dir, file.path)))])) {
    const found = await lstat(directory).catch(() => undefined);
    if (found && !found.isDirectory())
      throw new UsageError(`${shownInput(directory)} is in the way: it is not a directory`, 'remove it, or give another directory');
  }
  for (const file of files) {
    const path = join(dir, file.path);
    const found = await lstat(path).catch(() => undefined);
    if (found && !found.isFile()) throw new UsageError(`${shownInput(path)} is in the way: it is not a regular file`, 'remove it, or give another directory');
  }
  const written: string[] = [];
  for (const file of files) {
    const path = join(dir, file.path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomic(path, file.content, file.mode);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new UsageError(`cannot write ${shownInput(path)}: ${code}`, 'give a directory you may write to');
    }
    written.push(path);
  }
  return written;
}

/** The repository's contexts, `stacks/<stack>/`, as the generator makes them (no engine: the upstream defaults). */
export async function repositoryContexts(): Promise<{ stack: Stack; dir: string; files: ContextFile[] }[]> {
  return Promise.all(STACKS.map(async (stack) => ({ stack, dir: `${STACKS_DIR}/${stack.name}`, files: await builderContextFiles(stack) })));
}

/** Writes every stack's context under `root`; returns the paths written, relative to it. */
export async function writeRepositoryContexts(root: string): Promise<string[]> {
  const written: string[] = [];
  for (const { dir, files } of await repositoryContexts()) {
    await writeBuilderContext(join(root, dir), files);
    written.push(...files.map((file) => `${dir}/${file.path}`));
  }
  return written;
}
