/**
 * The credentials of a URL (https://user:token@host/) as an HTTP Basic Authorization value, read
 * as git reads a URL's user-info: `%XX` is the byte XX, and a `%` that starts no such pair is
 * itself. decodeURIComponent would throw on both `%zz` and `%ff` (a byte that is not UTF-8 alone),
 * which a password may well hold.
 */

/** The bytes a user name or password of a URL stands for. */
export function userinfoBytes(text: string): Buffer {
  return Buffer.concat(
    text.split(/(%[0-9a-fA-F]{2})/).map((part) => (/^%[0-9a-fA-F]{2}$/.test(part) ? Buffer.from([parseInt(part.slice(1), 16)]) : Buffer.from(part))),
  );
}

/** `base64(user:password)` of a parsed URL, for `Authorization: Basic …`. */
export function basicCredentials(url: URL): string {
  return Buffer.concat([userinfoBytes(url.username), Buffer.from(':'), userinfoBytes(url.password)]).toString('base64');
}
