/**
 * User input shown in a message. An error is one line on stderr, and a terminal acts on what it is
 * sent: a newline in a `-u` value or an image name would split the line, an escape sequence would
 * recolour or retitle the terminal, a bidi control would reorder what is read. So such characters
 * are written as escapes (`\n`, `\u001b`), and input of any length is cut to what a person reads.
 */

/** C0 and C1 controls and DEL, the line and paragraph separators, and the bidi controls. */
const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Longest input shown whole; a longer one is cut, and its length said. */
export const MAX_SHOWN_CHARS = 200;

/** `text` with every character that is not plain printable text written as an escape. */
export function escapeControls(text: string): string {
  return text.replace(UNPRINTABLE, (char) => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `text` as a message shows it: escaped, and cut after `max` characters (never inside a surrogate pair). */
export function shownInput(text: string, max = MAX_SHOWN_CHARS): string {
  if (text.length <= max) return escapeControls(text);
  const high = text.charCodeAt(max - 1);
  const cut = high >= 0xd800 && high <= 0xdbff ? max - 1 : max;
  return `${escapeControls(text.slice(0, cut))}… (${text.length} characters)`;
}
