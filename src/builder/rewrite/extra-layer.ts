/**
 * The builder's one extra layer on top of the base's: the S2I scripts at /usr/libexec/s2i
 * (root-owned, group 0, 0755) and their directory (root's 0755 when the base has none, else as the
 * base has it), the files the final fixes write again
 * (outside-tree-fixes.ts), and the parent directories of both with the headers the base's layers gave
 * them (a parent left out would be made by the engine as root 0755 with the load's time). A few
 * hundred kilobytes, so it is made in memory.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SCRIPT_NAMES, SCRIPTS_DIR } from '../../s2i/builder-scripts.js';
import type { FinalFix } from './outside-tree-fixes.js';
import { s2iScript } from '../../common/package-files.js';
import { encodeEntry, END_OF_ARCHIVE, type TarEntryHeader } from '../../common/tar/raw-tar-entry.js';

export interface ExtraLayerContent {
  mtime: Date;
  fixes?: readonly FinalFix[];
  /** The directories of the fixes and the scripts' directory, with those above them (outside-tree-fixes.ts planFixes). */
  parents?: readonly TarEntryHeader[];
  /** Where the scripts' directory really is (SCRIPTS_DIR unless a link leads elsewhere). */
  scriptsDir?: string;
}

export async function extraLayer({
  mtime,
  fixes = [],
  parents = [],
  scriptsDir: where = SCRIPTS_DIR,
}: ExtraLayerContent): Promise<{ data: Buffer; diffId: string }> {
  const root = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: Math.floor(mtime.getTime() / 1000), size: 0 };
  const scriptsDir = where.replace(/^\//, '');
  const parts: Buffer[] = [];
  for (const dir of parents) parts.push(encodeEntry(dir));
  // A scripts' directory the base has keeps its header (it is among the parents); a new one is root's.
  if (!parents.some((dir) => dir.path.replace(/\/$/, '') === scriptsDir))
    parts.push(encodeEntry({ ...root, path: `${scriptsDir}/`, type: 'directory', mode: 0o755 }));
  for (const name of SCRIPT_NAMES) {
    const data = await readFile(s2iScript(name));
    const header: TarEntryHeader = { ...root, path: `${scriptsDir}/${name}`, type: 'file', mode: 0o755, size: data.length };
    parts.push(encodeEntry(header, data));
  }
  for (const fix of fixes) parts.push(encodeEntry(fix.header, fix.data));
  parts.push(END_OF_ARCHIVE);
  const data = Buffer.concat(parts);
  return { data, diffId: `sha256:${createHash('sha256').update(data).digest('hex')}` };
}
