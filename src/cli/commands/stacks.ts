import type { ArgumentsCamelCase } from 'yargs';
import type { GlobalOptionTypes } from '../global-options.js';
import { defaultTrees, STACKS, type Stack } from '../../builder/stacks.js';

export const command = 'stacks';
export const describe = 'List the Jupyter stacks `tjs2i builder` knows: upstream image, languages, trees made writable for group 0';

export function handler(args: ArgumentsCamelCase<GlobalOptionTypes>): void {
  process.stdout.write(args.json ? `${JSON.stringify({ ok: true, stacks: STACKS.map(stackJson) })}\n` : stacksTable(STACKS));
}

export function stackJson(stack: Stack) {
  return {
    name: stack.name,
    upstream: stack.upstream,
    languages: stack.languages,
    tags: stack.tags,
    // `path` is the tree with the upstream image's values; a tree without one is fixed only
    // when the base image sets its variable.
    trees: defaultTrees(stack).map((t) => ({ specs: t.specs, path: t.path ?? null, why: t.why })),
  };
}

/** One row per tree; the stack's name, image and languages on its first row. */
export function stacksTable(stacks: readonly Stack[]): string {
  const header = ['STACK', 'UPSTREAM IMAGE', 'LANGUAGES', 'TREES MADE WRITABLE FOR GROUP 0'];
  const rows: string[][] = [];
  for (const stack of stacks) {
    defaultTrees(stack).forEach((tree, i) => {
      const specs = tree.specs.join(', ');
      const where = specs === '$HOME' ? `${tree.path} (home)` : tree.path ? `${tree.path} (${specs})` : `${specs} (when the image sets it)`;
      rows.push(i === 0 ? [stack.name, stack.upstream, stack.languages.join(', '), where] : ['', '', '', where]);
    });
  }
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c < cells.length - 1 ? cell.padEnd(widths[c]!) : cell))
      .join('  ')
      .trimEnd();
  return [
    line(header),
    ...rows.map(line),
    '',
    "Paths use the upstream images' values; `tjs2i builder` reads the variables (CONDA_DIR, R_LIBS_USER,",
    'JULIA_DEPOT_PATH, JULIA_PKGDIR, SPARK_HOME) from the base image, follows symbolic links, and skips a',
    'tree the base image does not have. Each tree gets group 0, group rw(X) and set-group-ID directories.',
    '',
  ].join('\n');
}
