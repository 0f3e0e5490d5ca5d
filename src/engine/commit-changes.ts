/**
 * A commit's settings as the `changes` of `POST /commit` (Dockerfile instructions), for Podman: before
 * 4.8 its Docker API reads the commit's configuration body and ignores it, so the image would keep the
 * build container's command, entrypoint and user (containers/podman#13770). Podman splits the changes
 * on line breaks, reads CMD and ENTRYPOINT as JSON arrays (`[]` clears the entrypoint) and a LABEL as
 * `"key"="value"`, stripping only the outer quotes: no escapes, no `$` expansion. Docker's parser
 * would expand `$` in a label, which is why Docker gets the body alone.
 */
import { BuildFailedError } from '../common/errors.js';
import type { CommitSpec } from './container-client.js';

export function commitChanges(spec: CommitSpec): string[] {
  const changes = [`CMD ${JSON.stringify(spec.cmd)}`, `ENTRYPOINT ${JSON.stringify(spec.entrypoint)}`, `USER ${spec.user}`];
  for (const [key, value] of Object.entries(spec.labels)) {
    if (/[\r\n]/.test(key + value) || key.includes('=')) {
      throw new BuildFailedError(
        `the label ${JSON.stringify(key)} cannot be committed on Podman: its key holds "=" or it holds a line break`,
        'give labels without line breaks (and keys without "=") on this engine',
      );
    }
    changes.push(`LABEL "${key}"="${value}"`);
  }
  return changes;
}
