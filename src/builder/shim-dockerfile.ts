/**
 * The Dockerfile that turns an upstream Jupyter stack into an S2I builder that runs under any UID
 * with group 0: the original shim's seven changes (group 0 ownership and group rwX on the notebook
 * user's home and the conda tree, HOME set), extended to the trees each stack's users write into
 * (the R library, the Julia depot, Spark's configuration; see stacks.ts), plus a numeric USER, the S2I scripts baked in at
 * /usr/libexec/s2i, set-group-ID directories (so files created later stay group 0) and a
 * group-writable /etc/passwd (so `run` can add an entry for an arbitrary UID, as the upstream
 * stacks' start.sh does) and, because of that, no set-uid or set-gid programs.
 */
import { SCRIPTS_DIR } from '../s2i/builder-scripts.js';
import { JUPYTER_PORT } from '../s2i/jupyter-port.js';
import { Label } from '../s2i/labels.js';
import type { Stack } from './stacks.js';
import { systemDirectoryCase } from './system-trees.js';

export interface BuilderPlan {
  from: string;
  uid: number;
  home: string;
  /**
   * Trees made group-0 owned and group-writable, none inside another. Symbolic links
   * (SPARK_HOME) are resolved in the image; a tree the image does not have is skipped with a line
   * in the build output.
   */
  trees: string[];
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function builderDockerfile(plan: BuilderPlan): string {
  const trees = plan.trees.map(quote).join(' ');
  return [
    `FROM ${plan.from}`,
    'USER root',
    `COPY s2i/ ${SCRIPTS_DIR}/`,
    'RUN set -eu; \\',
    `    for d in ${trees}; do \\`,
    '      if [ ! -d "$d" ]; then echo "tjs2i: $d is not a directory in the base image: skipped"; continue; fi; \\',
    '      real=$(readlink -f "$d"); \\',
    // A link (SPARK_HOME) may lead anywhere: never into a system directory. tjs2i refuses such a
    // tree before the build; this is the same rule where the files are.
    `      ${systemDirectoryCase('$real', 'echo "tjs2i: $d leads to $real, inside a system directory: refused" >&2; exit 2')}; \\`,
    '      if [ "$real" = "$d" ]; then echo "tjs2i: group 0 may write $d"; else echo "tjs2i: group 0 may write $d ($real)"; fi; \\',
    '      d=$real; \\',
    '      chgrp -R 0 "$d"; \\',
    '      chmod -R g+rwX "$d"; \\',
    '      find "$d" -type d -exec chmod g+s {} +; \\',
    '    done; \\',
    '    chmod g+w /etc/passwd; \\',
    // Group 0 can edit /etc/passwd (so `run` can add an entry for an arbitrary UID): with a set-uid
    // `su` left in the image, that would let any process give root an empty password and become root.
    '    find / -xdev -type f \\( -perm -4000 -o -perm -2000 \\) -exec chmod ug-s {} +',
    `ENV HOME=${JSON.stringify(plan.home)}`,
    `USER ${plan.uid}`,
    `CMD ["${SCRIPTS_DIR}/run"]`,
    '',
  ].join('\n');
}

export function builderLabels(stack: Stack, from: string, trees: readonly string[] = []): Record<string, string> {
  return {
    [Label.scriptsUrl]: `image://${SCRIPTS_DIR}`,
    [Label.exposeServices]: `${JUPYTER_PORT}:http`,
    [Label.tags]: stack.tags.join(','),
    [Label.description]: `S2I builder for Jupyter notebooks (${stack.name}), made by tjs2i from ${from}; runs under any UID with group 0.`,
    [Label.displayName]: `${stack.title} (S2I builder)`,
    'io.tjs2i.builder.stack': stack.name,
    'io.tjs2i.builder.base': from,
    // The trees the builder makes group-writable when the base image has them, colon-separated.
    ...(trees.length ? { 'io.tjs2i.builder.writable-trees': trees.join(':') } : {}),
  };
}
