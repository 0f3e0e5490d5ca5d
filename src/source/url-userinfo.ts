/**
 * The user-info of a repository URL must mean the same to tjs2i as to git. A password with a `/`,
 * `?` or `#` that is not percent-encoded ends the URL's authority early: the URL parser (and git's
 * curl) then reads a host such as `alice:s3cr` and fails, and the password would be shown in the
 * error, handed to git's command line and put in `--json`. A tab or a line break is dropped by the
 * parser, so the password would not be the one written. Such a URL is refused before anything uses
 * it, with a line that shows only the host.
 */
import { UsageError } from '../common/errors.js';
import { shownInput } from '../common/message-text.js';

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
/** The schemes (of those git takes) whose authority a URL parser also ends at a `\`, as at a `/`. */
const BACKSLASH_ENDS_AUTHORITY = /^(https?|file|ftp):/i;

/** Throws a UsageError when the text before the URL's last `@` is not the user-info a URL parser reads. */
export function checkUrlUserinfo(location: string): void {
  const scheme = SCHEME.exec(location);
  if (!scheme) return;
  // Whitespace does not end the user-info: the URL parser encodes a space and drops a tab or a newline.
  const rest = location.slice(scheme[0].length);
  const at = rest.lastIndexOf('@');
  if (at < 0) return;
  const written = rest.slice(0, at);
  const host = shownInput(rest.slice(at + 1).split(/[/?#]/)[0] || 'the host');
  let parsed: URL | undefined;
  try {
    parsed = new URL(location);
  } catch {
    parsed = undefined;
  }
  // An `@` after the authority (in a path such as /pkg@v1) is no user-info, and parses as such. A `\`
  // before it is no such path but a password's (in alice:pa\ss@h/pkg@v1 the host would be alice).
  const backslash = BACKSLASH_ENDS_AUTHORITY.test(location) && written.includes('\\');
  const survives = parsed !== undefined && !backslash && (/[/?#]/.test(written) ? true : sameUserinfo(parsed, written));
  if (!survives) {
    throw new UsageError(
      `the user name or password in the URL of ${host} holds a character URLs reserve or drop (/, \\, ?, #, @, %, a tab or a line break) that is not percent-encoded`,
      'percent-encode it (/ as %2F, \\ as %5C, ? as %3F, # as %23, @ as %40, % as %25, a tab as %09), or give the credentials through a git credential helper',
    );
  }
}

function sameUserinfo(parsed: URL, written: string): boolean {
  const read = `${decode(parsed.username)}${parsed.password ? `:${decode(parsed.password)}` : ''}`;
  return read === decode(written) || read === written;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
