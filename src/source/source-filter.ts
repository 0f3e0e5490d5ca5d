/**
 * Which files of the source are packed: s2i's `--exclude` regular expression (by default it leaves
 * out `.git` at any depth) and the source's `.s2iignore` with gitignore semantics (via `ignore`,
 * the matcher eslint and prettier use). Both match text: a name that is not UTF-8 is matched as
 * Latin-1 (raw-names.ts), and so is a `.s2iignore` that is not UTF-8, so a course written on an old
 * system in Latin-1 throughout names its files as they are.
 */
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { matchText } from './raw-names.js';
import { UsageError } from '../common/errors.js';
import { shownInput } from '../common/message-text.js';

/** s2i's default: `.git` directories (and files) at any depth. */
export const DEFAULT_EXCLUDE = '(^|/)\\.git(/|$)';

export const S2I_IGNORE_FILE = '.s2iignore';

/** `--exclude`: a regular expression matched against paths relative to the source; '' excludes nothing. */
export function compileExclude(pattern: string | undefined): RegExp | undefined {
  const source = pattern ?? DEFAULT_EXCLUDE;
  if (source === '') return undefined;
  try {
    return new RegExp(source);
  } catch (error) {
    // V8 repeats the whole pattern in its message: keep only the reason, the pattern is shown once, escaped and cut.
    const message = (error as Error).message;
    const echo = `Invalid regular expression: /${source}/: `;
    const reason = message.startsWith(echo) ? message.slice(echo.length) : message;
    throw new UsageError(
      `--exclude ${shownInput(source)} is not a valid regular expression (${shownInput(reason)})`,
      `for example --exclude '${DEFAULT_EXCLUDE}'`,
    );
  }
}

/** Bounds on `.s2iignore`, so that a hostile or generated file cannot stall a build. */
export const MAX_IGNORE_PATTERNS = 1000;
export const MAX_IGNORE_LINE_CHARS = 4096;
/**
 * `**` segments a pattern may have before its end (a trailing `/**` is free). Each is a run of
 * directories the compiled expression may try at every depth, so k of them cost depth^(k+1) per
 * path: `**` + `/a/**` + `/a/**` + `/a/b` took 24 s on one path 500 directories deep; with two it
 * stays polynomial of a low degree, and `**` + `/build/**` + `/*.o` still works.
 */
export const MAX_IGNORE_DOUBLE_STARS = 2;

/**
 * The rules of `<dir>/.s2iignore`, or undefined when there is none. Matched case-sensitively, as git
 * matches `.gitignore` on Linux; runs of `**` segments are one (git reads `a/**` + `/**` + `/x` as
 * `a/**` + `/x`), which also keeps the compiled pattern from backtracking exponentially.
 */
export async function readS2iIgnore(dir: string): Promise<{ rules: Ignore; count: number } | undefined> {
  const path = join(dir, S2I_IGNORE_FILE);
  const st = await lstat(path).catch(() => undefined);
  if (!st) return undefined;
  if (!st.isFile()) throw new UsageError(`${S2I_IGNORE_FILE} in the source is not a regular file`, 'make it a plain text file, not a symlink');
  const text = matchText(await readFile(path));
  const patterns = ignorePatterns(text);
  return { rules: ignore({ ignorecase: false }).add(patterns), count: patterns.length };
}

/** The patterns of an ignore file's text, normalised; a UsageError naming the line when it is out of bounds. */
export function ignorePatterns(text: string): string[] {
  const patterns: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const where = `${S2I_IGNORE_FILE} line ${index + 1}`;
    if (line.length > MAX_IGNORE_LINE_CHARS) {
      throw new UsageError(`${where} is ${line.length} characters long, more than ${MAX_IGNORE_LINE_CHARS}`, 'shorten the pattern');
    }
    if (!line.trim() || line.trim().startsWith('#')) continue;
    if (patterns.length === MAX_IGNORE_PATTERNS) {
      throw new UsageError(
        `${where}: ${S2I_IGNORE_FILE} holds more than ${MAX_IGNORE_PATTERNS} patterns`,
        'merge patterns (a directory, or a glob) to have fewer',
      );
    }
    const pattern = collapseDoubleStars(line);
    const stars = doubleStarsBeforeEnd(pattern);
    if (stars > MAX_IGNORE_DOUBLE_STARS) {
      throw new UsageError(
        `${where} has ${stars} ** segments before its end, more than ${MAX_IGNORE_DOUBLE_STARS}`,
        'each ** that is not at the end multiplies the matching work on deep trees: split the pattern, or name the directories',
      );
    }
    patterns.push(pattern);
  }
  return patterns;
}

/** The `**` segments of a pattern that a `/` follows (leading `**` + `/`, inner `/**` + `/`), a negation's `!` aside. */
export function doubleStarsBeforeEnd(pattern: string): number {
  return pattern.replace(/^!/, '').match(/(?:^|\/)\*\*(?=\/)/g)?.length ?? 0;
}

/**
 * `**` + `/**` + `/` (any number of them) is `**` + `/`, and a trailing `/**` + `/**` is `/**`, as git
 * matches them. Only whole segments: in `b**` + `/**` + `/` the first is `b*`, a directory name.
 */
export function collapseDoubleStars(pattern: string): string {
  return pattern.replace(/(^!?|\/)(?:\*\*\/){2,}/g, '$1**/').replace(/\/\*\*(?:\/\*\*)+$/, '/**');
}

/**
 * The test for packTrees: true for a path to leave out. `relative` uses `/` and has no leading or
 * trailing slash; directories are also tested with a trailing slash, as gitignore patterns like
 * `build/` only match directories.
 */
export function sourceFilter(exclude: RegExp | undefined, rules: Ignore | undefined): (relative: string, directory: boolean) => boolean {
  return (relative, directory) => {
    if (exclude?.test(relative)) return true;
    if (!rules) return false;
    return rules.ignores(directory ? `${relative}/` : relative);
  };
}
