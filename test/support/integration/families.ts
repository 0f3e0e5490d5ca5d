/**
 * The two families of stand-ins the Jupyter-facing suites run on (test/fixtures/standin and standin-today):
 * - 2016: the images the original project fixed (Notebook 6.4, named USER, no HOME, no start.sh);
 * - today: today's quay.io/jupyter stacks (JupyterLab 4.4, Notebook 7.4, jupyter_server 2.20, USER
 *   1000, HOME, start.sh with its hooks, start-notebook.py, a HEALTHCHECK).
 * A suite that is not about one stack's specifics runs once per family (`forEachFamily`), so a
 * behaviour that only works on one of them is seen. TJS2I_FAMILIES=today (or 2016) narrows a local
 * run; CI runs both.
 */
import { randomBytes } from 'node:crypto';
import { STANDIN, TEST_PREFIX, testBuilder, tjs2i } from './helpers.js';

export interface Family {
  name: '2016' | 'today';
  /** The minimal-notebook stand-in. */
  standIn: string;
  /** The interface `run` starts by default. */
  defaultInterface: 'notebook' | 'lab';
  /** Where `/` (under the base URL) sends a user: the course in that interface. */
  landing: string;
  /** The line the server prints once it serves (a pattern). */
  runningLine: RegExp;
  /** The class that holds the server's own options (base_url, ...). */
  serverClass: 'NotebookApp' | 'ServerApp';
  /** The stand-in's Python, major.minor. */
  python: string;
  /** How the stand-in itself fails under a random UID with group 0: the problem the builder fixes. */
  problem: RegExp;
}

export const FAMILY_2016: Family = {
  name: '2016',
  standIn: STANDIN,
  defaultInterface: 'notebook',
  landing: '/tree/work',
  runningLine: /Jupyter Notebook 6\.[\d.]+ is running at/,
  serverClass: 'NotebookApp',
  python: '3.11',
  problem: /PermissionError: \[Errno 13\] Permission denied: '\/\.local'/,
};

export const FAMILY_TODAY: Family = {
  name: 'today',
  standIn: 'tjs2i-fixture-today/minimal-notebook:latest',
  defaultInterface: 'lab',
  landing: '/lab/tree/work',
  runningLine: /Jupyter Server 2\.[\d.]+ is running at/,
  serverClass: 'ServerApp',
  python: '3.14',
  // HOME is set and start.sh adds a passwd entry, but group 0 cannot write the group-100 home.
  problem: /PermissionError: \[Errno 13\] Permission denied: '\/home\/jovyan\/\.local\/share\/jupyter\/runtime'/,
};

const ALL = [FAMILY_2016, FAMILY_TODAY];

/** The families this run covers: all, unless TJS2I_FAMILIES names some. */
export const FAMILIES: Family[] = (() => {
  const wanted = (process.env.TJS2I_FAMILIES ?? '').split(/[\s,]+/).filter(Boolean);
  const unknown = wanted.filter((name) => !ALL.some((f) => f.name === name));
  // A misspelt name would otherwise leave no family, and every matrix suite would pass by running nothing.
  if (unknown.length) throw new Error(`TJS2I_FAMILIES names no family: ${unknown.join(', ')} (known: ${ALL.map((f) => f.name).join(', ')})`);
  return wanted.length ? ALL.filter((f) => wanted.includes(f.name)) : ALL;
})();

/** One describe block per family, titled `on the <name> stand-ins`. */
export function forEachFamily(define: (family: Family) => void): void {
  for (const family of FAMILIES) {
    describe(`on the ${family.name} stand-ins`, function () {
      define(family);
    });
  }
}

const builders = new Map<string, Promise<string>>();

/**
 * The builder made from a family's minimal-notebook stand-in, once per test run (the root hook
 * removes it); the 2016 one is the suites' common testBuilder().
 */
export function familyBuilder(family: Family): Promise<string> {
  if (family === FAMILY_2016) return testBuilder();
  let builder = builders.get(family.name);
  if (!builder) {
    builder = (async () => {
      const tag = `${TEST_PREFIX}builder-${family.name}:${randomBytes(3).toString('hex')}`;
      const result = await tjs2i(['builder', 'minimal-notebook', '--from', family.standIn, '--tag', tag]);
      if (result.code !== 0) throw new Error(`tjs2i builder failed (${result.code}):\n${result.stderr}`);
      return tag;
    })();
    builders.set(family.name, builder);
  }
  return builder;
}
