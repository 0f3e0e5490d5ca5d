/**
 * The Jupyter Docker Stacks tjs2i makes builders from, and for each the trees its users write into
 * at run time (pip/conda installs, install.packages(), Pkg.add(), Spark configuration), which the
 * builder makes owned by group 0 and group-writable so that they work under any UID.
 *
 * Tree paths are templates over the base image's ENV (`$CONDA_DIR/lib/R/library`): the values are
 * read from the image, with per-stack defaults that match the upstream images.
 */
import { posix } from 'node:path';

export type Language = 'python' | 'r' | 'julia';

/** A tree users write into at run time. */
export interface TreeSpec {
  /** `$HOME` (the notebook user's home), `$VAR` or `$VAR/sub/dir`, VAR from the image's ENV. */
  path: string;
  /** What users write there. */
  why: string;
}

export interface Stack {
  name: string;
  /** The upstream image a builder is made from by default. */
  upstream: string;
  title: string;
  tags: string[];
  /** The languages of the stack's kernels. */
  languages: Language[];
  trees: TreeSpec[];
  /** Values of the variables the trees use when the base image's ENV does not set them. */
  defaults: Record<string, string>;
}

const HOME: TreeSpec = { path: '$HOME', why: "the notebook user's home: ~/.local, caches, settings" };
const CONDA: TreeSpec = { path: '$CONDA_DIR', why: 'the conda environment: pip, conda and mamba installs' };
const R_LIBRARY: TreeSpec = { path: '$CONDA_DIR/lib/R/library', why: 'the R library: install.packages()' };
const R_LIBS_USER: TreeSpec = { path: '$R_LIBS_USER', why: "R's user library (R_LIBS_USER): install.packages()" };
const JULIA_DEPOT: TreeSpec = { path: '$JULIA_DEPOT_PATH', why: "Julia's package depot: Pkg.add(), precompiled packages" };
const JULIA_PKGDIR: TreeSpec = { path: '$JULIA_PKGDIR', why: "Julia's package directory (JULIA_PKGDIR)" };
const SPARK_CONF: TreeSpec = { path: '$SPARK_HOME/conf', why: "Spark's configuration: spark-defaults.conf, log4j2.properties" };

const CONDA_DEFAULTS = { CONDA_DIR: '/opt/conda' };
const JULIA_DEFAULTS = { JULIA_DEPOT_PATH: '/opt/julia', JULIA_PKGDIR: '/opt/julia' };
const SPARK_DEFAULTS = { SPARK_HOME: '/usr/local/spark' };

const stack = (name: string, tags: string[], languages: Language[], trees: TreeSpec[], defaults: Record<string, string> = {}): Stack => ({
  name,
  upstream: `quay.io/jupyter/${name}`,
  title: `Jupyter ${name}`,
  tags: ['builder', 'jupyter', ...tags],
  languages,
  trees: [HOME, CONDA, ...trees],
  defaults: { ...CONDA_DEFAULTS, ...defaults },
});

export const STACKS: readonly Stack[] = [
  // Upstream: ENV R_LIBS_USER=${SPARK_HOME}/R/lib, given to jovyan:users by fix-permissions.
  stack('all-spark-notebook', ['python', 'r', 'spark'], ['python', 'r'], [R_LIBRARY, R_LIBS_USER, SPARK_CONF], {
    ...SPARK_DEFAULTS,
    R_LIBS_USER: '$SPARK_HOME/R/lib',
  }),
  stack('datascience-notebook', ['python', 'r', 'julia'], ['python', 'r', 'julia'], [R_LIBRARY, R_LIBS_USER, JULIA_DEPOT, JULIA_PKGDIR], JULIA_DEFAULTS),
  stack('minimal-notebook', ['python'], ['python'], []),
  stack('pyspark-notebook', ['python', 'spark'], ['python'], [SPARK_CONF], SPARK_DEFAULTS),
  stack('r-notebook', ['r'], ['python', 'r'], [R_LIBRARY, R_LIBS_USER]),
  stack('scipy-notebook', ['python', 'scipy'], ['python'], []),
];

export function findStack(name: string): Stack | undefined {
  return STACKS.find((s) => s.name === name);
}

/** A tree of a builder plan: an absolute path, why, and where its value came from. */
export interface PlannedTree {
  path: string;
  why: string;
  /** The template it came from, e.g. `$SPARK_HOME/conf`. */
  spec: string;
  /** `image` when every variable came from the base image's ENV (or the user's home), else `default`. */
  source: 'image' | 'default';
}

export interface ImageFacts {
  /** The base image's Config.Env (`NAME=value`). */
  env: string[];
  /** The notebook user's home. */
  home: string;
}

export function envOf(env: readonly string[], name: string): string | undefined {
  const entry = env.find((e) => e.startsWith(`${name}=`));
  return entry?.slice(name.length + 1) || undefined;
}

/** A variable in a tree template: `$NAME` or `${NAME}`. */
export const TREE_VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * The trees to make writable for group 0, for a stack and what its base image says. A tree whose
 * variable is neither in the image's ENV nor a default of the stack is left out (R_LIBS_USER on
 * r-notebook when the image does not set it); list variables (`a:b`) give one tree per entry.
 */
export function planTrees(stack: Stack, facts: ImageFacts): PlannedTree[] {
  const planned: PlannedTree[] = [];
  for (const spec of stack.trees) {
    const expanded = expand(spec.path, stack, facts);
    if (!expanded) continue;
    // Only a template that is a single variable may be a list (JULIA_DEPOT_PATH, R_LIBS_USER).
    const isList = /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(spec.path);
    for (const entry of isList ? expanded.value.split(':') : [expanded.value]) {
      const path = cleanPath(entry, facts.home);
      if (path && !planned.some((p) => p.path === path)) planned.push({ path, why: spec.why, spec: spec.path, source: expanded.source });
    }
  }
  return planned;
}

/** The trees that are not inside another one: `chgrp -R` on those covers all of them. */
export function treeRoots(paths: readonly string[]): string[] {
  const inside = (path: string, tree: string) => tree === '/' || path === tree || path.startsWith(`${tree}/`);
  const roots: string[] = [];
  for (const path of paths) {
    if (roots.some((root) => inside(path, root))) continue;
    for (let i = roots.length - 1; i >= 0; i--) if (inside(roots[i]!, path)) roots.splice(i, 1);
    roots.push(path);
  }
  return roots;
}

function expand(template: string, stack: Stack, facts: ImageFacts): { value: string; source: 'image' | 'default' } | undefined {
  let source: 'image' | 'default' = 'image';
  let missing = false;
  const lookup = (name: string, depth: number): string | undefined => {
    if (name === 'HOME') return facts.home;
    const fromImage = envOf(facts.env, name);
    if (fromImage !== undefined) return fromImage;
    const fallback = stack.defaults[name];
    if (fallback === undefined || depth > 3) return undefined;
    source = 'default';
    return fallback.replace(TREE_VARIABLE, (_m, braced?: string, bare?: string) => lookup((braced ?? bare)!, depth + 1) ?? ((missing = true), ''));
  };
  const value = template.replace(TREE_VARIABLE, (_m, braced?: string, bare?: string) => lookup((braced ?? bare)!, 0) ?? ((missing = true), ''));
  return missing ? undefined : { value, source };
}

/**
 * An absolute, normalised path other than `/`, or undefined. `~` is the notebook user's home; an R path with
 * `%` specifiers (`~/R/%p-library/%v`) stops before the first of them.
 */
/** The characters a tree path may have: it is written into a Dockerfile, where a newline or a quote could add instructions. */
export const SAFE_PATH = /^\/[A-Za-z0-9._/+@-]+$/;

function cleanPath(entry: string, home: string): string | undefined {
  let path = entry.trim();
  if (path === '~' || path.startsWith('~/')) path = home + path.slice(1);
  const percent = path.indexOf('%');
  if (percent >= 0) path = path.slice(0, Math.max(0, path.lastIndexOf('/', percent)));
  if (!path.startsWith('/')) return undefined;
  const normal = posix.normalize(path).replace(/\/+$/, '');
  // Never the whole file system (an empty or `/` value), and only plain path characters: the path
  // is written into the builder's Dockerfile, where a newline or a quote could add instructions.
  return normal === '' || !SAFE_PATH.test(normal) ? undefined : normal;
}

/**
 * A stack's trees with the upstream image's values (for `tjs2i stacks`); templates that give the
 * same path share an entry. A tree without a path is fixed only when the image sets its variable.
 */
export function defaultTrees(stack: Stack, home = '/home/jovyan'): { specs: string[]; why: string; path?: string }[] {
  const trees: { specs: string[]; why: string; path?: string }[] = [];
  for (const spec of stack.trees) {
    const path = planTrees({ ...stack, trees: [spec] }, { env: [], home })[0]?.path;
    const same = path ? trees.find((t) => t.path === path) : undefined;
    if (same) same.specs.push(spec.path);
    else trees.push({ specs: [spec.path], why: spec.why, ...(path ? { path } : {}) });
  }
  return trees;
}

/**
 * The trees the stack table itself places, from its defaults alone (the user's home is not one):
 * the only trees a builder makes group-writable inside a system directory.
 */
export function declaredTrees(stack: Stack): string[] {
  return planTrees(stack, { env: [], home: '' }).map((tree) => tree.path);
}
