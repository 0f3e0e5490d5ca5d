/**
 * Git LFS in a checked-out source. A clone is made with smudging skipped (and, when git-lfs is
 * missing, with the lfs filter switched off, since a system-wide `filter.lfs.required` would make the
 * checkout fail); then `git lfs pull` replaces the pointer files with their contents. Without
 * git-lfs the build goes on with the pointers, after one warning naming them.
 */
import { open, readdir } from 'node:fs/promises';
import { displayName, joinNames } from './raw-names.js';

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

const GIT_DIR = Buffer.from('.git');
const ATTRIBUTES = Buffer.from('.gitattributes');

/**
 * Looks for .gitattributes using LFS and, if there is one, for pointer files, in the whole tree
 * (submodules included) except `.git`. Symlinks are not followed. Names are read as bytes (a clone
 * checks out a Latin-1 name as it is: raw-names.ts), and pointers are named as messages show them.
 */
export async function scanLfs(dir: string): Promise<LfsScan> {
  let usesLfs = false;
  const small: Buffer[] = [];
  const top = Buffer.from(dir);
  const walk = async (relative: Buffer): Promise<void> => {
    for (const entry of await readdir(joinNames(top, relative), { encoding: 'buffer', withFileTypes: true })) {
      if (entry.name.equals(GIT_DIR)) continue;
      const rel = joinNames(relative, entry.name);
      if (entry.isDirectory()) await walk(rel);
      else if (entry.isFile()) {
        if (entry.name.equals(ATTRIBUTES) && attributesUseLfs(await readHead(joinNames(top, rel), 64 * 1024))) usesLfs = true;
        small.push(rel);
      }
    }
  };
  await walk(Buffer.alloc(0));
  if (!usesLfs) return { usesLfs, pointers: [] };
  const pointers: string[] = [];
  for (const rel of small) {
    if (isLfsPointer(await readHead(joinNames(top, rel), MAX_POINTER_SIZE))) pointers.push(displayName(rel));
  }
  return { usesLfs, pointers: pointers.sort() };
}

/** Up to `limit` bytes from the start of a file, as text (more than `limit` when it is longer, so callers can tell). */
async function readHead(path: Buffer, limit: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(limit + 1);
    const { bytesRead } = await handle.read(buffer, 0, limit + 1, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
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
