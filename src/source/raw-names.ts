/**
 * Names read from the file system as bytes. A Linux name is bytes, not text: a course made on an old
 * system may hold a Latin-1 `é` (the one byte 0xE9), which is not UTF-8, and such a name decoded to a
 * string and encoded again names no file. So the packers list directories as buffers, open and stat
 * by those bytes and write them into the tar as they are, as s2i does (Go strings are bytes); only
 * the filter and messages see text.
 *
 * The text a name is matched as (by `--exclude` and `.s2iignore`): the name itself when it is UTF-8,
 * else one Latin-1 character per byte, so the `é` of a pattern matches the Latin-1 `é` the old system
 * meant, `?` matches one byte of it and `*` any. Each name of a path is decoded on its own, so a UTF-8
 * directory keeps its text above a Latin-1 file.
 */
import { isUtf8 } from 'node:buffer';
import { readdirSync, type Dirent } from 'node:fs';

const SLASH = Buffer.from('/');

/** The entries of a directory, named by their bytes, in byte order. */
export function listDirectory(path: Buffer): Dirent<Buffer>[] {
  return readdirSync(path, { encoding: 'buffer', withFileTypes: true }).sort((a, b) => Buffer.compare(a.name, b.name));
}

/** `parent/name` as bytes (just `name` under an empty parent). */
export function joinNames(parent: Buffer, name: Buffer): Buffer {
  return parent.length === 0 ? name : Buffer.concat([parent, SLASH, name]);
}

/** The text a name (or a file of patterns) is matched as: UTF-8 when it is valid UTF-8, else Latin-1. */
export function matchText(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
}

/** A name or path for messages: its UTF-8 characters as they are, any other byte as `\xNN`. */
export function displayName(path: Buffer | string): string {
  if (typeof path === 'string' || isUtf8(path)) return path.toString();
  let text = '';
  for (let at = 0; at < path.length;) {
    // The shortest valid slice is one character (a byte that starts none is not UTF-8).
    const length = [1, 2, 3, 4].find((n) => at + n <= path.length && isUtf8(path.subarray(at, at + n)));
    if (length === undefined) text += `\\x${(path[at] as number).toString(16).padStart(2, '0')}`;
    else text += path.toString('utf8', at, at + length);
    at += length ?? 1;
  }
  return text;
}
