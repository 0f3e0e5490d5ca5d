/**
 * Git LFS in a checked-out source. A clone is made with smudging skipped (and, when git-lfs is
 * missing, with the lfs filter switched off, since a system-wide `filter.lfs.required` would make the
 * checkout fail); then `git lfs pull` replaces the pointer files with their contents. Without
 * git-lfs the build goes on with the pointers, after one warning naming them.
 */
import { readSync } from 'node:fs';
import { excludeGitDir } from './pack-trees.js';
import { displayName } from './raw-names.js';
import { closeSourceFile, openSourceFile } from './source-file.js';
import { closeSourceTree, openSourceTree, walkSource, type SourceEntry, type WalkOptions } from './walk-source.js';

/** The first line of every Git LFS pointer file (spec v1). */
export const LFS_POINTER_HEADER = 'version https://git-lfs.github.com/spec/v1';
/** Pointer files are small: the spec caps them below 1024 bytes. */
export const MAX_POINTER_SIZE = 1024;

/** Git configuration that turns the lfs filter off, for a checkout when git-lfs is not installed. */
export const LFS_FILTER_OFF: Record<string, string> = {
  'filter.lfs.process': '',
  'filter.lfs.smudge': '',
  'filter.lfs.clean': '',
  'filter.lfs.required': 'false',
};

/** Whether a file's content is a Git LFS pointer (not the file it stands for). */
export function isLfsPointer(content: Buffer | string): boolean {
  const text = typeof content === 'string' ? content : content.toString('utf8');
  if (Buffer.byteLength(text) >= MAX_POINTER_SIZE) return false;
  return text.startsWith(`${LFS_POINTER_HEADER}\n`) && /\noid sha256:[0-9a-f]{64}\n/.test(text) && /\nsize \d+\n?/.test(text);
}

/** Whether a .gitattributes text sends some paths through the lfs filter. */
export function attributesUseLfs(text: string): boolean {
  return text.split('\n').some((line) => !line.trimStart().startsWith('#') && /(^|\s)filter=lfs(\s|$)/.test(line));
}

export interface LfsScan {
  /** Some .gitattributes (at any depth) uses the lfs filter. */
  usesLfs: boolean;
  /** Files that are LFS pointers, relative to the scanned directory, with '/' separators, sorted. */
  pointers: string[];
}

const ATTRIBUTES = Buffer.from('.gitattributes');

/**
 * Looks for .gitattributes using LFS and, if there is one, for pointer files, in the whole tree
 * (submodules included) except `.git`. The tree is walked as the packers walk it (walk-source.ts):
 * symlinks are not followed, a FIFO is not waited on, a change caught is a SourceReadError. Names are
 * read as bytes (a clone checks out a Latin-1 name as it is: raw-names.ts), and pointers are named as
 * messages show them. `beforeOpen` is for tests (see walk-source.ts).
 */
export async function scanLfs(dir: string, options: Pick<WalkOptions, 'beforeOpen'> = {}): Promise<LfsScan> {
  let usesLfs = false;
  await eachFile(dir, options, (entry) => {
    if (entry.name.equals(ATTRIBUTES) && attributesUseLfs(readHead(entry, 64 * 1024))) usesLfs = true;
  });
  if (!usesLfs) return { usesLfs, pointers: [] };
  // A second walk, only now that LFS is used: reading the start of every file costs calls a tree without LFS is spared.
  const pointers: string[] = [];
  await eachFile(dir, options, (entry) => {
    if (isLfsPointer(readHead(entry, MAX_POINTER_SIZE))) pointers.push(displayName(entry.rel.bytes));
  });
  return { usesLfs, pointers: pointers.sort() };
}

/** Calls `visit` for every regular file of the tree, `.git` left out. */
async function eachFile(dir: string, options: Pick<WalkOptions, 'beforeOpen'>, visit: (entry: SourceEntry) => void): Promise<void> {
  const tree = openSourceTree(dir);
  try {
    await walkSource(tree, { exclude: excludeGitDir, ...options }, (entry) => {
      if (entry.kind === 'file') visit(entry);
    });
  } finally {
    closeSourceTree(tree);
  }
}

/** Up to `limit` bytes from the start of a file, as text (more than `limit` when it is longer, so callers can tell). */
function readHead(entry: SourceEntry, limit: number): string {
  const file = openSourceFile(entry.at, entry.shown);
  try {
    const buffer = Buffer.allocUnsafe(limit + 1);
    return buffer.subarray(0, readSync(file.fd, buffer, 0, limit + 1, 0)).toString('utf8');
  } finally {
    closeSourceFile(file);
  }
}

/** Up to `limit` names, then "and N more". */
export function listNames(names: readonly string[], limit = 10): string {
  const shown = names.slice(0, limit).join(', ');
  return names.length > limit ? `${shown} and ${names.length - limit} more` : shown;
}

/**
 * The one warning printed when pointer files are built as they are: because git-lfs is missing
 * (`'no-git-lfs'`), or because a directory used as it is holds them (`'on-disk'`).
 */
export function pointerWarning(pointers: readonly string[], cause: 'no-git-lfs' | 'on-disk'): string {
  const one = pointers.length === 1;
  const names = listNames(pointers);
  return cause === 'no-git-lfs'
    ? `git-lfs is not installed: ${one ? '1 file is left as a Git LFS pointer' : `${pointers.length} files are left as Git LFS pointers`}: ${names} (install git-lfs to build the real contents)`
    : `${one ? '1 file is a Git LFS pointer, not its content' : `${pointers.length} files are Git LFS pointers, not their contents`}: ${names} (run git lfs pull in the source to build the real contents)`;
}

/** The line of git-lfs's output that says what went wrong (not its "see the log" advice). */
export function lfsErrorDetail(output: string): string {
  const noise = /^(Errors logged to|Use `git lfs logs last`|Could not pull$|Downloading LFS objects|Fetching reference)/;
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !noise.test(l));
  const error = lines.filter((l) => /^(fatal|error):/i.test(l)).pop();
  return (error ?? lines.pop() ?? 'git lfs pull failed').replace(/^(fatal|error):\s*/i, '');
}
