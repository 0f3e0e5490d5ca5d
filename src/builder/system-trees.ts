/**
 * The directories a builder never makes group-writable: the operating system's own trees. Group 0
 * is every user of an OpenShift-style platform; a group-writable `/usr/bin` or `/etc` would let any
 * of them replace what root runs. A base image whose variable (SPARK_HOME, R_LIBS_USER, CONDA_DIR,
 * a home) points there is refused rather than weakened, unless tjs2i's own stack table puts the
 * tree there.
 */
import { posix } from 'node:path';
import { UsageError } from '../common/errors.js';

/** Top-level directories that are the system's, with everything below them. */
const SYSTEM_TOP = ['bin', 'boot', 'dev', 'etc', 'lib', 'lib32', 'lib64', 'libx32', 'proc', 'root', 'run', 'sbin', 'sys', 'usr', 'var'];

/** `/usr/local/<name>` holding programs or libraries the system runs; the rest of /usr/local is a site's own software (Spark). */
const USR_LOCAL_SYSTEM = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32', 'libexec', 'include'];

/** The system directory `path` (absolute, normalised) is or lies in, or undefined when it is not a system path. */
export function systemDirectoryOf(path: string): string | undefined {
  const parts = posix.normalize(path).split('/').filter(Boolean);
  if (parts.length === 0) return '/';
  const [top, second, third] = parts;
  if (!SYSTEM_TOP.includes(top!)) return undefined;
  if (top === 'usr' && second === 'local') {
    if (third === undefined) return '/usr/local';
    return USR_LOCAL_SYSTEM.includes(third) ? `/usr/local/${third}` : undefined;
  }
  return `/${top}`;
}

/**
 * The same rule as a `case` pattern list for the Dockerfile path's shell, for a path without a
 * trailing slash: the first branch lets the site's own /usr/local trees through.
 */
export function systemDirectoryCase(variable: string, refuse: string): string {
  const below = (dir: string) => `${dir}|${dir}/*`;
  const usrLocal = USR_LOCAL_SYSTEM.map((name) => below(`/usr/local/${name}`)).join('|');
  const tops = SYSTEM_TOP.map((name) => below(`/${name}`)).join('|');
  return `case "${variable}" in ${usrLocal}|/usr/local|/) ${refuse};; /usr/local/*) ;; ${tops}) ${refuse};; esac`;
}

/** A tree the builder would make group-writable, with the template it came from (`$SPARK_HOME/conf`). */
export interface TreeToCheck {
  path: string;
  /** Where the path leads in the base image, when resolved. */
  real?: string;
  spec: string;
}

/**
 * Refuses (exit 2) the first tree that is or leads into a system directory, naming the variable
 * behind it; `declared` are the paths tjs2i's stack table itself gives, which are allowed.
 */
export function refuseSystemTrees(trees: readonly TreeToCheck[], declared: readonly string[]): void {
  for (const tree of trees) {
    for (const path of tree.real && tree.real !== tree.path ? [tree.path, tree.real] : [tree.path]) {
      const system = systemDirectoryOf(path);
      if (system === undefined || declared.includes(path)) continue;
      const variable = variableOf(tree.spec);
      const where = path === tree.path ? path : `${tree.path}, which leads to ${path}`;
      throw new UsageError(
        `${variable} gives ${where}, inside the system directory ${system}: a builder never makes system directories group-writable`,
        `set ${variable} in the base image to a directory outside the system's trees (/opt, /home, /usr/local/<name>), or make the builder from another base`,
      );
    }
  }
}

/** The variable a tree template starts with (`$SPARK_HOME/conf` -> SPARK_HOME); `$HOME` is the notebook user's home. */
function variableOf(spec: string): string {
  const name = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)/.exec(spec)?.[1] ?? spec;
  return name === 'HOME' ? "HOME (the notebook user's home)" : name;
}
