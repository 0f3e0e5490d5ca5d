/** The options every command takes: output, logging, the engine's endpoint. */
import type { Argv, InferredOptionTypes, Options } from 'yargs';
import type { OptionValues } from './option-values.js';

export const globalOptionSpecs = {
  quiet: { alias: 'q', type: 'boolean', describe: 'only errors (no step lines, no assemble output)' },
  verbose: { type: 'boolean', describe: 'more detail, and stacks for unexpected errors' },
  loglevel: { type: 'number', requiresArg: true, describe: "s2i's log level: 0-1 normal, 2-5 as --verbose" },
  debug: { type: 'boolean', hidden: true },
  json: { type: 'boolean', describe: 'print one result object (JSON) on stdout; logs stay on stderr' },
  'docker-host': { type: 'string', requiresArg: true, describe: 'engine endpoint, unix:///path or tcp://host:port (overrides DOCKER_HOST)' },
  timestamps: {
    type: 'boolean',
    describe: 'start every stderr line with the UTC time (default: when stderr is not a terminal, or TJS2I_TIMESTAMPS=1|0)',
  },
} as const satisfies Record<string, Options>;

/** What runCommand, and a command with no options of its own, read of a parsed command line. */
export type GlobalOptions = OptionValues<typeof globalOptionSpecs>;

/** The global options as yargs parses them (kebab-case names). */
export type GlobalOptionTypes = InferredOptionTypes<typeof globalOptionSpecs>;

/** The yargs instance a command's builder gets: the global options are defined on it. */
export type GlobalArgv = Argv<GlobalOptionTypes>;

/** Defines the global options, with the rules between them, on the root yargs instance. */
export function globalOptions<T>(yargs: Argv<T>) {
  return yargs
    .options(globalOptionSpecs)
    .conflicts('quiet', 'verbose')
    .check((argv) => {
      const level = argv.loglevel;
      if (level !== undefined && (!Number.isInteger(level) || level < 0 || level > 5)) return '--loglevel must be an integer from 0 to 5';
      return true;
    });
}
