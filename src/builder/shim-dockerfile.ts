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
import { passwdRules, runInstruction, treeRules } from './shim-rules.js';

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
    ...runInstruction([
      { text: `for d in ${trees}; do`, depth: 0 },
      ...treeRules().map((text) => ({ text, depth: 1 })),
      { text: 'done', depth: 0 },
      ...passwdRules().map((text) => ({ text, depth: 0 })),
    ]),
    `ENV HOME=${JSON.stringify(plan.home)}`,
    `USER ${plan.uid}`,
    `CMD ["${SCRIPTS_DIR}/run"]`,
    '',
  ].join('\n');
}

/** The labels of a tjs2i builder: the S2I and OpenShift ones, the stack, and what only an engine knows (the base, the trees). */
export function builderLabels(stack: Stack, from: string, trees: readonly string[] = []): Record<string, string> {
  return {
    ...portableBuilderLabels(stack),
    'io.tjs2i.builder.base': from,
    // The trees the builder makes group-writable when the base image has them, colon-separated.
    ...(trees.length ? { 'io.tjs2i.builder.writable-trees': trees.join(':') } : {}),
  };
}

/**
 * The labels a Dockerfile can carry without an engine: the S2I and OpenShift ones and the stack. The
 * description does not name the base: a Docker-strategy build on OpenShift replaces the FROM image.
 */
export function portableBuilderLabels(stack: Stack): Record<string, string> {
  return {
    [Label.scriptsUrl]: `image://${SCRIPTS_DIR}`,
    [Label.exposeServices]: `${JUPYTER_PORT}:http`,
    [Label.tags]: stack.tags.join(','),
    [Label.description]: `S2I builder for Jupyter notebooks (${stack.name}), made by tjs2i; runs under any UID with group 0.`,
    [Label.displayName]: `${stack.title} (S2I builder)`,
    'io.tjs2i.builder.stack': stack.name,
  };
}
