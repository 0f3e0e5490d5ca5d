/**
 * What a builder's Dockerfile does to the base image, as shell lines run as root in one RUN: the
 * rules both Dockerfiles share (`tjs2i builder --dockerfile`, whose trees tjs2i resolved with the
 * engine, and `--as-dockerfile`, whose trees the shell finds in the base image's ENV), so the two
 * cannot drift apart. Each function gives lines without the RUN's line continuations.
 */
import { systemDirectoryCase } from './system-trees.js';

/**
 * The body of the loop over the trees, one tree in `$d`: a tree the image does not have is skipped
 * with a line, a link (SPARK_HOME) is followed, a tree that is or leads into a system directory
 * stops the build, and the rest becomes group-0 owned, group-writable and set-group-ID.
 */
export function treeRules(): string[] {
  const refuse = (what: string) => `echo "tjs2i: ${what} inside a system directory: refused" >&2; exit 2`;
  return [
    'if [ ! -d "$d" ]; then echo "tjs2i: $d is not a directory in the base image: skipped"; continue; fi',
    'real=$(readlink -f "$d")',
    systemDirectoryCase('$d', refuse('$d is')),
    systemDirectoryCase('$real', refuse('$d leads to $real,')),
    'if [ "$real" = "$d" ]; then echo "tjs2i: group 0 may write $d"; else echo "tjs2i: group 0 may write $d ($real)"; fi',
    // chgrp -R does not follow a symbolic link named on its command line: work on where it leads.
    'd=$real',
    'chgrp -R 0 "$d"',
    'chmod -R g+rwX "$d"',
    // Files made later in a set-group-ID directory stay group 0.
    'find "$d" -type d -exec chmod g+s {} +',
  ];
}

/**
 * A group-writable /etc/passwd, so `run` can add an entry for an arbitrary UID (as the upstream
 * stacks' start.sh does), and therefore no set-uid or set-gid program: with `su` left set-uid, any
 * process could give root an empty password and become root.
 */
export function passwdRules(): string[] {
  return ['chmod g+w /etc/passwd', 'find / -xdev -type f \\( -perm -4000 -o -perm -2000 \\) -exec chmod ug-s {} +'];
}

/** A RUN instruction of shell lines (a line may be a loop's head or `done`), each continued with `; \`. */
export function runInstruction(lines: readonly { text: string; depth: number }[]): string[] {
  return [
    'RUN set -eu; \\',
    ...lines.map(({ text, depth }, i) => {
      const last = i === lines.length - 1;
      // A loop's head ends in `do`, after which a `;` would be a syntax error.
      const end = last ? '' : text.endsWith(' do') ? ' \\' : '; \\';
      return `${'  '.repeat(depth + 2)}${text}${end}`;
    }),
  ];
}
