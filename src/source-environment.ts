/** The source's `.s2i/environment` (after --context-dir), as s2i reads it, parsed by environment.ts. */
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnvironmentFile, type EnvVar } from './environment.js';
import { UsageError } from './errors.js';

export const SOURCE_ENVIRONMENT = '.s2i/environment';

export async function readSourceEnvironment(sourceDir: string): Promise<EnvVar[]> {
  const path = join(sourceDir, '.s2i', 'environment');
  const st = await lstat(path).catch(() => undefined);
  if (!st) return [];
  // A symlink could name any file of the build machine, whose contents would end up in the image.
  if (!st.isFile()) throw new UsageError(`${SOURCE_ENVIRONMENT} in the source is not a regular file`, 'make it a plain text file, not a symlink');
  return parseEnvironmentFile(await readFile(path, 'utf8'), SOURCE_ENVIRONMENT);
}
