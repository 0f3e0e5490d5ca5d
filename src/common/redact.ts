/**
 * Credentials in repository URLs (https://user:token@host/repo) must never reach labels, logs or
 * error messages. `stripCredentials` removes the user-info part of a URL (for labels);
 * `redactCredentials` masks it anywhere in a free text such as git's error output.
 */
// The user-info runs to the last "@" before the host: a raw "@" inside a password must not cut it short.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/?#\s]*)@/gi;
// In free text, to the last "@" before whitespace: a password with a raw "/", "?" or "#" (a URL that
// is refused, but may still be echoed in an error) is masked whole. A path's "@" masks more than
// needed, which is the safe side.
const TEXT_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)(\S*)@/gi;
// A location given as one argument: to its last "@", whitespace included.
const LOCATION_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/).*@/is;

export function stripCredentials(location: string): string {
  return location.replace(URL_USERINFO, '$1');
}

export function redactCredentials(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(TEXT_USERINFO, '$1***@');
  for (const secret of secrets) {
    if (secret.length >= 3) out = out.split(secret).join('***');
  }
  return out;
}

/**
 * A location (one URL, as the user gave it) for a message: everything between its scheme and its
 * last "@" is masked. Unlike free text, whitespace does not end it (a URL parser encodes a space and
 * drops a tab), and a password with a raw "/" and "@" is masked whole (the safe side).
 */
export function redactLocation(location: string): string {
  return location.replace(LOCATION_USERINFO, '$1***@');
}

/** The user-info parts (user, password, token) of a URL, decoded and raw, to redact anywhere. */
export function credentialsOf(location: string): string[] {
  const found: string[] = [];
  for (const match of location.matchAll(TEXT_USERINFO)) {
    const userinfo = match[2] ?? '';
    for (const part of [userinfo, ...userinfo.split(':')]) {
      if (part) found.push(part, safeDecode(part));
    }
  }
  return [...new Set(found)].sort((a, b) => b.length - a.length);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
