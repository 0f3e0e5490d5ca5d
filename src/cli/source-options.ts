/** Which source to build and how to fetch it: the positional and the options build and preview share. */
import type { Options, PositionalOptions } from 'yargs';
import type { SourceSpec } from '../source/prepare-source.js';
import type { OptionValues } from './option-values.js';

export const sourcePositionalSpec = {
  type: 'string',
  demandOption: true,
  describe: 'git URL (https, ssh, git, file) or local directory',
} as const satisfies PositionalOptions;

export const sourceOptionSpecs = {
  ref: { alias: 'r', type: 'string', requiresArg: true, describe: 'branch, tag or commit to build (git sources)', group: 'Source:' },
  'context-dir': { type: 'string', requiresArg: true, describe: 'subdirectory of the source to build', group: 'Source:' },
  copy: { type: 'boolean', describe: 'use a local directory as it is on disk (uncommitted files included), never clone it', group: 'Source:' },
} as const satisfies Record<string, Options>;

/** The source of a parsed command line; an option left out stays out. */
export function sourceSpecOf(args: { source: string } & OptionValues<typeof sourceOptionSpecs>): SourceSpec {
  return {
    location: args.source,
    ...(args.ref ? { ref: args.ref } : {}),
    ...(args.contextDir !== undefined ? { contextDir: args.contextDir } : {}),
    ...(args.copy ? { copy: true } : {}),
  };
}
