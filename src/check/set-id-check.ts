/**
 * The escalation `tjs2i builder` prevents: a set-uid or set-gid program in an image whose
 * /etc/passwd group 0 may write. Any process of the arbitrary UID (group 0) could then give root an
 * empty password or a second uid-0 entry and let `su` make it root. The candidates come from the
 * image's layers (set-id-scan.ts); the engine's merged view of the final file system (a created,
 * never started container: image-files.ts) says which of them are still set-id files, and what
 * /etc/passwd leads to, with its owner and mode.
 */
import pMap from 'p-map';
import type { ImageClient } from '../engine/image-client.js';
import { InterruptedError } from '../common/errors.js';
import { line, type CheckLine } from './check-report.js';
import { writableByGroupZero, type FileFacts, type ImageFiles } from './image-files.js';
import { scanSetIdCandidates, SetIdScanError } from './set-id-scan.js';

export type SetIdFacts =
  | {
      /** Set-uid or set-gid regular files of the final file system, sorted. */
      files: string[];
      /** What /etc/passwd leads to; undefined when the image has none. */
      passwd?: FileFacts;
    }
  | { undetermined: string };

/** Engine requests in flight at once. */
const CONCURRENCY = 4;

export async function checkSetId(images: ImageClient, files: ImageFiles, image: string, signal: AbortSignal | undefined): Promise<SetIdFacts> {
  let candidates: string[];
  try {
    candidates = (await scanSetIdCandidates(await images.exportImage(image, signal))).candidates;
  } catch (error) {
    if (signal?.aborted) throw new InterruptedError();
    if (error instanceof SetIdScanError) return { undetermined: error.message };
    throw error;
  }
  const setId = await pMap(
    candidates,
    async (path) => {
      const stat = await files.stat(path);
      return stat?.type === 'file' && ((stat.special ?? 0) & 0o6000) !== 0 ? path : undefined;
    },
    { concurrency: CONCURRENCY, stopOnError: true },
  );
  const passwd = await files.fileAt('/etc/passwd');
  return { files: setId.filter((p): p is string => p !== undefined), ...(passwd ? { passwd } : {}) };
}

const octal = (mode: number) => mode.toString(8).padStart(4, '0');

/** The first few names, and how many more. */
function someOf(paths: readonly string[], shown = 3): string {
  const more = paths.length - shown;
  return `${paths.slice(0, shown).join(', ')}${more > 0 ? `, and ${more} more` : ''}`;
}

export function setIdLine(facts: SetIdFacts): CheckLine {
  if ('undetermined' in facts) {
    return line('set-id', 'warn', `not determined: ${facts.undetermined}`, 'look by hand: `find / -xdev -perm /6000 -type f` and `ls -l /etc/passwd`');
  }
  const { files, passwd } = facts;
  const passwdState = !passwd
    ? 'there is no /etc/passwd'
    : `/etc/passwd${passwd.real !== '/etc/passwd' ? ` (${passwd.real})` : ''} is ${writableByGroupZero(passwd) ? '' : 'not '}writable by group 0 (${octal(passwd.mode)}, owner ${passwd.uid ?? '?'}:${passwd.gid ?? '?'})`;
  const count = files.length === 0 ? 'no set-id file' : `${files.length} set-id file${files.length === 1 ? '' : 's'} (${someOf(files)})`;
  // `found` names a few; the report's JSON has them all.
  const paths = files.length ? { paths: [...files] } : {};
  if (files.length > 0 && passwd && writableByGroupZero(passwd)) {
    const found = `${count} while ${passwdState}: any UID in group 0 can make itself root`;
    return {
      ...line('set-id', 'fail', found, 'remove the set-id bits (`chmod ug-s`) or keep /etc/passwd read-only for group 0; `tjs2i builder` removes the bits'),
      ...paths,
    };
  }
  return { ...line('set-id', 'pass', `${count}; ${passwdState}`), ...paths };
}
