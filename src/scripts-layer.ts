/**
 * The builder's one extra layer: the S2I scripts at /usr/libexec/s2i (root-owned, group 0, 0755)
 * and their directory. A few kilobytes, so it is made in memory.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import tar from 'tar-stream';
import { SCRIPTS_DIR } from './builder-dockerfile.js';
import { s2iScript } from './package-files.js';

export const SCRIPT_NAMES = ['assemble', 'run', 'usage'] as const;

export async function scriptsLayer(mtime = new Date()): Promise<{ data: Buffer; diffId: string }> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const header = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime };
  const parts = SCRIPTS_DIR.replace(/^\//, '').split('/');
  // Only the scripts' own directory: entries for usr/ and usr/libexec/ would reset the base's (or
  // hide what a base's usr/libexec link leads to); the engine makes missing parents itself.
  pack.entry({ ...header, name: `${parts.join('/')}/`, type: 'directory', mode: 0o755 });
  for (const name of SCRIPT_NAMES) {
    pack.entry({ ...header, name: `${parts.join('/')}/${name}`, type: 'file', mode: 0o755 }, await readFile(s2iScript(name)));
  }
  pack.finalize();
  await ended;
  const data = Buffer.concat(chunks);
  return { data, diffId: `sha256:${createHash('sha256').update(data).digest('hex')}` };
}
