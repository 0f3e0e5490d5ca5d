/**
 * Build environment variables, as s2i has them: `-E/--environment-file`, the source's
 * `.s2i/environment` and `-e NAME=VALUE`, later ones winning. Files are parsed more carefully
 * than s2i does (it keeps quotes as part of the value): a line is `[export] NAME=VALUE` where VALUE
 * is unquoted (taken literally, `=` included, surrounding whitespace trimmed), 'single-quoted'
 * (literal) or "double-quoted" (escapes \" \\ \n \t \$; no expansion of variables). Values may be
 * secrets, so no error message ever shows one: errors name the file, the line and at most the
 * variable's name.
 */
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../common/errors.js';
import { shownInput } from '../common/message-text.js';

export interface EnvVar {
  name: string;
  value: string;
}

/** Files larger than this are refused: an environment file is a few lines. */
export const MAX_ENVIRONMENT_FILE_BYTES = 1024 * 1024;

/** Where a source declares its build environment. */
export const SOURCE_ENVIRONMENT_FILE = '.s2i/environment';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_RULE = 'a name is letters, digits and _, and does not start with a digit';
const FILE_HINT = `each line is NAME=VALUE, NAME='literal value' or NAME="value with \\n \\t \\" \\\\ \\$ escapes" (optionally after "export "); lines starting with # are comments`;
const ARG_HINT = 'use -e NAME=VALUE, or -e NAME to pass the value NAME has in your environment';
const DOUBLE_QUOTE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t', $: '$' };

/**
 * Why `name` is not a valid variable name, without repeating it (a malformed line may be a
 * pasted secret): the first offending character and its column. Undefined when it is valid.
 */
function nameProblem(name: string, column: number): string | undefined {
  if (NAME.test(name)) return undefined;
  if (name === '') return 'missing variable name before "="';
  const index = /^[0-9]/.test(name) ? 0 : name.search(/[^A-Za-z0-9_]/);
  // The whole code point: an emoji is U+1F600, not the first half of its surrogate pair.
  const code = name.codePointAt(index) ?? 0;
  const shown = code >= 0x21 && code <= 0x7e ? `"${String.fromCodePoint(code)}"` : `character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `invalid variable name: ${shown} at column ${column + index} (${NAME_RULE})`;
}

class LineError extends Error {}

/**
 * `text` without its trailing spaces and tabs. Not `/[ \t]+$/`: a regular expression retries that
 * at every blank of a long run followed by something else, which is quadratic in a 1 MiB line.
 */
function trimTrailingBlanks(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(0, end);
}

/** The value part of a line (after `=`), quotes resolved. Throws LineError with what is wrong. */
function parseValue(raw: string): string {
  const text = raw.replace(/^[ \t]+/, '');
  const quote = text[0];
  if (quote !== '"' && quote !== "'") return trimTrailingBlanks(text);
  let value = '';
  let i = 1;
  for (; i < text.length; i++) {
    const char = text[i] as string;
    if (char === quote) break;
    if (quote === '"' && char === '\\' && i + 1 < text.length) {
      const next = text[i + 1] as string;
      const escaped = DOUBLE_QUOTE_ESCAPES[next];
      // Any other backslash is kept as it is (C:\Users stays C:\Users).
      value += escaped ?? `\\${next}`;
      i++;
      continue;
    }
    value += char;
  }
  const kind = quote === '"' ? 'double' : 'single';
  if (i >= text.length) throw new LineError(`unterminated ${kind} quote (a quoted value must end on the same line)`);
  const rest = text.slice(i + 1);
  // The s flag: a comment may hold any character, a line separator (U+2028) or a lone CR too.
  if (!/^[ \t]*(#.*)?$/s.test(rest)) {
    throw new LineError(`unexpected text after the closing ${kind} quote (only spaces or a # comment may follow)`);
  }
  return value;
}

/**
 * Parses an environment file (`-E FILE`, the source's `.s2i/environment`). Blank lines and `#`
 * comment lines are skipped; CRLF line ends and a UTF-8 byte order mark are tolerated. A name set
 * twice keeps its first position and its last value. Throws UsageError `<file>:<line>: <problem>`.
 */
export function parseEnvironmentFile(text: string, file: string): EnvVar[] {
  const vars: EnvVar[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, index) => {
    const fail = (problem: string): never => {
      throw new UsageError(`${shownInput(file)}:${index + 1}: ${problem}`, FILE_HINT);
    };
    // The s flag: a comment line may hold a lone CR or a line separator (U+2028) and stays a comment.
    if (/^\s*(#.*)?$/s.test(line)) return;
    const exported = /^(\s*export[ \t]+)(?=[A-Za-z_])/.exec(line);
    const body = exported ? line.slice(exported[0].length) : line;
    const offset = exported ? exported[0].length : 0;
    const eq = body.indexOf('=');
    if (eq < 0) fail('expected NAME=VALUE, but the line has no "="');
    const leading = /^\s*/.exec(body)?.[0].length ?? 0;
    // trimEnd, not /\s+$/: that is quadratic on a long run of blanks inside a name.
    const name = body.slice(leading, eq).trimEnd();
    const problem = nameProblem(name, offset + leading + 1);
    if (problem) fail(problem);
    let value: string;
    try {
      value = parseValue(body.slice(eq + 1));
    } catch (error) {
      if (error instanceof LineError) return fail(`${shownInput(name)}: ${error.message}`);
      throw error;
    }
    if (value.includes('\0')) fail(`${shownInput(name)}: the value contains a NUL character`);
    vars.push({ name, value });
  });
  return mergeEnvironment(vars);
}

/** Reads at most `limit` bytes plus one from an open file (so an oversized file can be told). */
async function readBounded(path: string, flags: number, limit: number): Promise<Buffer> {
  const handle = await open(path, flags);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.alloc(Math.min(64 * 1024, limit + 1 - total));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) break;
    }
    return Buffer.concat(chunks);
  } finally {
    await handle.close();
  }
}

function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'not found';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'ELOOP':
      return 'is a symlink';
    default:
      return `cannot be read (${code ?? (error instanceof Error ? error.message : String(error))})`;
  }
}

async function readAndParse(path: string, shown: string, flags: number): Promise<EnvVar[]> {
  let bytes: Buffer;
  try {
    bytes = await readBounded(path, flags, MAX_ENVIRONMENT_FILE_BYTES);
  } catch (error) {
    throw new UsageError(`environment file ${shownInput(shown)} ${readProblem(error)}`, 'give a readable file of NAME=VALUE lines');
  }
  if (bytes.length > MAX_ENVIRONMENT_FILE_BYTES) {
    throw new UsageError(
      `environment file ${shownInput(shown)} is larger than ${MAX_ENVIRONMENT_FILE_BYTES / 1024 / 1024} MiB`,
      'an environment file holds NAME=VALUE lines',
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`environment file ${shownInput(shown)} is not UTF-8 text`, 'save it as UTF-8 text of NAME=VALUE lines');
  }
  return parseEnvironmentFile(text, shown);
}

/**
 * Reads and parses an environment file given by the user (`-E FILE`); symlinks and pipes such as
 * `-E <(command)` are fine. A missing or unreadable file is a UsageError naming `shownName ?? path`.
 */
export function readEnvironmentFile(path: string, shownName?: string): Promise<EnvVar[]> {
  return readAndParse(path, shownName ?? path, constants.O_RDONLY);
}

/**
 * The source's `.s2i/environment`, or none when it has none. The source may come from anyone, so
 * neither `.s2i` nor the file may be a symlink (it could point at a file of the build machine).
 */
export async function readSourceEnvironment(sourceDir: string): Promise<EnvVar[]> {
  const dir = await lstat(join(sourceDir, '.s2i')).catch(() => undefined);
  if (!dir) return [];
  if (!dir.isDirectory()) {
    if (dir.isSymbolicLink()) {
      throw new UsageError('.s2i in the source is a symlink', 'make .s2i a plain directory in the source');
    }
    return [];
  }
  const path = join(sourceDir, SOURCE_ENVIRONMENT_FILE);
  const st = await lstat(path).catch(() => undefined);
  if (!st) return [];
  if (!st.isFile()) {
    throw new UsageError(`${SOURCE_ENVIRONMENT_FILE} in the source is not a regular file`, 'make it a plain file of NAME=VALUE lines, not a symlink');
  }
  return readAndParse(path, SOURCE_ENVIRONMENT_FILE, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
}

/**
 * One `-e` argument: `NAME=VALUE` (VALUE taken literally, may be empty), or a bare `NAME` whose
 * value is taken from tjs2i's own environment, as `docker run -e NAME` does.
 */
export function parseEnvArgument(arg: string, env: NodeJS.ProcessEnv = process.env): EnvVar {
  const eq = arg.indexOf('=');
  const name = eq < 0 ? arg : arg.slice(0, eq);
  const problem = nameProblem(name, 1);
  if (problem) throw new UsageError(`-e: ${problem}`, ARG_HINT);
  if (eq >= 0) return { name, value: arg.slice(eq + 1) };
  const value = env[name];
  if (value === undefined) {
    // A long bare word may be a token pasted without its NAME=: show only its start.
    const shown = name.length > 24 ? `${name.slice(0, 4)}… (${name.length} characters)` : name;
    throw new UsageError(`-e ${shown}: no such variable is set in tjs2i's environment`, 'export it first, or give -e NAME=VALUE');
  }
  return { name, value };
}

/**
 * Merges layers of variables, later layers (and later entries) winning; each name keeps the
 * position where it first appeared. Precedence for a build: -E file < .s2i/environment < -e.
 */
export function mergeEnvironment(...layers: EnvVar[][]): EnvVar[] {
  const merged = new Map<string, string>();
  for (const layer of layers) {
    for (const { name, value } of layer) merged.set(name, value);
  }
  return [...merged].map(([name, value]) => ({ name, value }));
}

/** The Docker API's form: `NAME=VALUE` strings. */
export function toDockerEnv(vars: EnvVar[]): string[] {
  return vars.map(({ name, value }) => `${name}=${value}`);
}
