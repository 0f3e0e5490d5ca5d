/**
 * `tjs2i preview <source> [builder]`: build to a throwaway image and serve it, as `tjs2i run` does;
 * the image is removed when the preview ends, unless --keep.
 */
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { runCommand, type GlobalOptions } from '../run-command.js';
import { DEFAULT_PREVIEW_BUILDER, preview } from '../../serve/preview.js';
import { announce, runImageOptionsOf, runTimeOptions, type RunTimeArgs } from './run.js';

interface PreviewArgs extends GlobalOptions, RunTimeArgs {
  source: string;
  builder: string;
  ref?: string;
  contextDir?: string;
  copy?: boolean;
  keep?: boolean;
}

export const command = 'preview <source> [builder]';
export const describe = 'Build a source to a throwaway image and serve it (tjs2i build + tjs2i run); the image is removed at the end';

export const builder = (yargs: Argv): Argv<PreviewArgs> =>
  runTimeOptions(
    yargs
      .positional('source', { type: 'string', demandOption: true, describe: 'git URL (https, ssh, git, file) or local directory' })
      .positional('builder', { type: 'string', default: DEFAULT_PREVIEW_BUILDER, describe: 'builder image' })
      .group(['ref', 'context-dir', 'copy'], 'Source:')
      .option('ref', { alias: 'r', type: 'string', requiresArg: true, describe: 'branch, tag or commit to build (git sources)' })
      .option('context-dir', { type: 'string', requiresArg: true, describe: 'subdirectory of the source to build' })
      .option('copy', { type: 'boolean', describe: 'use a local directory as it is on disk (uncommitted files included), never clone it' })
      .option('keep', { type: 'boolean', describe: 'keep the image when the preview ends (its name is printed)' }),
  ) as unknown as Argv<PreviewArgs>;

export async function handler(args: ArgumentsCamelCase<PreviewArgs>): Promise<void> {
  await runCommand(
    args,
    async ({ logger, engine, signal }) => {
      const run = runImageOptionsOf(args, process.env, (m) => logger.warn(m));
      const source = {
        location: args.source,
        ...(args.ref ? { ref: args.ref } : {}),
        ...(args.contextDir !== undefined ? { contextDir: args.contextDir } : {}),
        ...(args.copy ? { copy: true } : {}),
      };
      const { checkCacheDir, fileCheckCache } = await import('../../build/direct-write-cache.js');
      return preview(engine, { source, builder: args.builder, checkCache: fileCheckCache(checkCacheDir()) }, run, Boolean(args.keep), logger, signal, (ready) =>
        announce(ready, args.json),
      );
    },
    'stopping the preview',
  );
}
