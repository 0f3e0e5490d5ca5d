/** How a served image runs: the options of `tjs2i run` and `tjs2i preview`; `build --run` takes the port only. */
import type { Options } from 'yargs';
import type { OptionValues } from './option-values.js';
import { stringList } from './string-list.js';

/** `-p/--port`; build --run gives it its own description. */
export const portOptionSpec = {
  alias: 'p',
  type: 'string',
  requiresArg: true,
  describe: 'host port on 127.0.0.1 (default: any free port)',
  group: 'Run:',
} as const satisfies Options;

export const runTimeOptionSpecs = {
  port: portOptionSpec,
  env: {
    alias: 'e',
    type: 'string',
    requiresArg: true,
    coerce: stringList,
    describe: 'NAME=VALUE, or NAME to pass its value from here (use -e PASSWORD for a password); repeatable',
    group: 'Run:',
  },
  user: { alias: 'u', type: 'string', requiresArg: true, describe: 'UID[:GID] to run as, e.g. a random UID with group 0 as OpenShift does', group: 'Run:' },
  volume: {
    alias: 'v',
    type: 'string',
    requiresArg: true,
    coerce: stringList,
    describe: 'NAME:/path or /host/path:/path[:ro], as docker run -v; repeatable',
    group: 'Run:',
  },
  timeout: { type: 'number', requiresArg: true, default: 120, describe: 'seconds Jupyter may take to answer', group: 'Run:' },
} as const satisfies Record<string, Options>;

/** The run-time options runImageOptionsOf reads (build --run gives only the port). */
export type RunTimeArgs = OptionValues<typeof runTimeOptionSpecs>;
