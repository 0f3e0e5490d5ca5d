/**
 * The builder Dockerfile of `tjs2i builder <stack> --as-dockerfile DIR`, for builds where no engine
 * inspects the base image first: `docker build`, buildah, kaniko, OpenShift's Docker strategy
 * (`oc new-build <repo> --context-dir=stacks/<stack>`). What `--dockerfile` learns from the engine
 * is found at build time instead: the trees from the base image's ENV (the stack table's templates,
 * with its defaults, rendered as shell expansions), the notebook user from build arguments checked
 * against the image's /etc/passwd. The rules applied to the trees are shim-rules.ts', as for `--dockerfile`.
 */
import { SCRIPTS_DIR } from '../s2i/builder-scripts.js';
import { portableBuilderLabels } from './shim-dockerfile.js';
import { passwdRules, runInstruction, treeRules } from './shim-rules.js';
import { SAFE_PATH, TREE_VARIABLE, type Stack } from './stacks.js';

/** The notebook user when nothing else says: the upstream stacks' jovyan. */
export const DEFAULT_NB_UID = 1000;

export interface PortableBuilderOptions {
  /** The image to build FROM (default the stack's upstream image). */
  base?: string;
  /** The default of the NB_UID build argument (read from the base image when an engine has it). */
  uid?: number;
  /** The default of NB_HOME; without it, HOME is /home/$NB_USER (jovyan when the image does not set NB_USER). */
  home?: string;
}

/**
 * A tree template as a shell word (without the surrounding quotes): each variable with the stack's
 * default as its fallback; a template using a variable with no default gives an empty word when the
 * image does not set it, as planTrees leaves such a tree out.
 */
export function shellWordOf(template: string, stack: Stack, depth = 0): string {
  const unset: string[] = [];
  const word = template.replace(TREE_VARIABLE, (_m, braced?: string, bare?: string) => {
    const name = (braced ?? bare)!;
    if (name === 'HOME') return '${HOME}';
    const fallback = stack.defaults[name];
    if (fallback === undefined || depth > 3) {
      unset.push(name);
      return `\${${name}}`;
    }
    return `\${${name}:-${shellWordOf(fallback, stack, depth + 1)}}`;
  });
  return unset.reduceRight((inner, name) => `\${${name}:+${inner}}`, word);
}

/**
 * Shell functions printing a tree value, one raw path per line: `tree_one` a value as it is,
 * `tree_list` each entry of a `:`-separated list. A value or entry holding a line break is skipped
 * (planTrees finds no plain path in it), never split into two paths.
 */
export function treeFunctions(): string[] {
  const skip = 'echo "tjs2i: a tree variable holds a line break: skipped" >&2';
  return [
    "nl=$(printf '\\nx'); nl=${nl%x}",
    `tree_one() { case "$1" in *"$nl"*) ${skip};; *) printf '%s\\n' "$1";; esac; }`,
    'tree_list() { old_ifs=$IFS; IFS=:; set -f; for e in $1; do tree_one "$e"; done; set +f; IFS=$old_ifs; }',
  ];
}

/** Shell lines printing the stack's trees with treeFunctions(), one raw path per line. */
export function treeListing(stack: Stack): string {
  const prints = stack.trees.map(({ path }) => {
    const word = `"${shellWordOf(path, stack)}"`;
    // Only a template that is a single variable may be a list (JULIA_DEPOT_PATH, R_LIBS_USER).
    return /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(path) ? `tree_list ${word}` : `tree_one ${word}`;
  });
  return `{ ${prints.join('; ')}; }`;
}

/**
 * The shell form of stacks.ts' cleanPath for the raw path in `$d` (read with blanks trimmed): `~` is the home, an R path stops
 * before its first `%` specifier, trailing slashes go, and what is not an absolute path of plain
 * characters (other than `/`) is skipped, as is a path met before (`$seen`, which starts empty).
 */
export function treeCleaning(): string[] {
  return [
    'case "$d" in "~") d=$HOME;; "~/"*) d="$HOME/${d#"~/"}";; esac',
    'case "$d" in *%*) d=${d%%"%"*}; d=${d%/*};; esac',
    'while :; do case "$d" in ?*/) d=${d%/};; *) break;; esac; done',
    'case "$d" in /?*) ;; *) continue;; esac',
    'case "$d" in *[!A-Za-z0-9._/+@-]*) echo "tjs2i: $d is not a plain path: skipped"; continue;; esac',
    'case " $seen " in *" $d "*) continue;; esac',
    'seen="$seen $d"',
  ];
}

/** The Dockerfile. NB_UID and NB_HOME are build arguments; a base whose ENV sets NB_UID keeps its own (ENV wins over ARG). */
export function portableBuilderDockerfile(stack: Stack, options: PortableBuilderOptions = {}): string {
  const uid = options.uid ?? DEFAULT_NB_UID;
  // Both are written into the Dockerfile unquoted.
  if (!Number.isSafeInteger(uid) || uid <= 0) throw new Error(`not a notebook user's UID: ${uid}`);
  if (options.home !== undefined && !SAFE_PATH.test(options.home)) throw new Error(`not a plain absolute path: ${JSON.stringify(options.home)}`);
  const badUid = 'echo "tjs2i: NB_UID must be the notebook user\'s numeric UID, not root: NB_UID=$NB_UID" >&2; exit 2';
  const otherHome =
    'echo "tjs2i: the notebook user (UID $NB_UID) has the home $home in /etc/passwd, not $HOME: build with --build-arg NB_HOME=$home" >&2; exit 2';
  return [
    `# The S2I builder for Jupyter ${stack.name}, made by \`tjs2i builder ${stack.name} --as-dockerfile\`: do not edit, generate again.`,
    '# It runs under any UID with group 0. Build it with docker build, buildah (--format docker keeps the health check),',
    `# kaniko, or on OpenShift: oc new-build <repository> --name jupyter-${stack.name} --context-dir=stacks/${stack.name}`,
    // A literal FROM: `oc new-build` reads the base image from it without expanding build arguments,
    // and OpenShift's Docker strategy (dockerStrategy.from) and `buildah bud --from` replace it.
    `FROM ${options.base ?? stack.upstream}`,
    `ARG NB_UID=${uid}`,
    `ARG NB_HOME=${options.home ?? ''}`,
    'USER root',
    `COPY s2i/ ${SCRIPTS_DIR}/`,
    'ENV HOME=${NB_HOME:-/home/${NB_USER:-jovyan}}',
    ...runInstruction([
      // `00` would be root as much as `0`: no leading zero either.
      { text: `case "$NB_UID" in ''|*[!0-9]*|0*) ${badUid};; esac`, depth: 0 },
      { text: `home=$(awk -F: -v uid="$NB_UID" '$3 == uid { print $6; exit }' /etc/passwd)`, depth: 0 },
      { text: `if [ -n "$home" ] && [ "$home" != / ] && [ "$home" != "$HOME" ]; then ${otherHome}; fi`, depth: 0 },
      { text: "seen=''", depth: 0 },
      ...treeFunctions().map((text) => ({ text, depth: 0 })),
      // `read` without IFS= trims blanks around the path, as planTrees does.
      { text: `${treeListing(stack)} | while read -r d; do`, depth: 0 },
      ...[...treeCleaning(), ...treeRules()].map((text) => ({ text, depth: 1 })),
      { text: 'done', depth: 0 },
      ...passwdRules().map((text) => ({ text, depth: 0 })),
    ]),
    ...labelInstructions(stack),
    'USER ${NB_UID}',
    `CMD ["${SCRIPTS_DIR}/run"]`,
    '',
  ].join('\n');
}

/** One LABEL per label. */
function labelInstructions(stack: Stack): string[] {
  const quote = (value: string) => `"${value.replace(/[\\"$]/g, '\\$&')}"`;
  return Object.entries(portableBuilderLabels(stack)).map(([key, value]) => `LABEL ${key}=${quote(value)}`);
}
