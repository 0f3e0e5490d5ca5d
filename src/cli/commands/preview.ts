/**
 * `tjs2i preview <source> [builder]`: build to a throwaway image and serve it, as `tjs2i run` does;
 * the image is removed when the preview ends, unless --keep.
 */
import type { BuilderArguments } from 'yargs';
import { runCommand } from '../run-command.js';
import type { GlobalArgv } from '../global-options.js';
import { sourceOptionSpecs, sourcePositionalSpec, sourceSpecOf } from '../source-options.js';
import { runTimeOptionSpecs } from '../run-time-options.js';
import { DEFAULT_PREVIEW_BUILDER, preview } from '../../serve/preview.js';
import { announce, runImageOptionsOf } from './run.js';

export const command = 'preview <source> [builder]';
export const describe = 'Build a source to a throwaway image and serve it (tjs2i build + tjs2i run); the image is removed at the end';

export const builder = (yargs: GlobalArgv) =>
  yargs
    .positional('source', sourcePositionalSpec)
    .positional('builder', { type: 'string', default: DEFAULT_PREVIEW_BUILDER, describe: 'builder image' })
    .options({
      ...sourceOptionSpecs,
      keep: { type: 'boolean', describe: 'keep the image when the preview ends (its name is printed)' },
      ...runTimeOptionSpecs,
    });

type PreviewArgs = BuilderArguments<typeof builder>;

export async function handler(args: PreviewArgs): Promise<void> {
  await runCommand(
    args,
    async ({ logger, engine, signal }) => {
      const run = runImageOptionsOf(args, process.env, (m) => logger.warn(m));
      const source = sourceSpecOf(args);
      const { checkCacheDir, fileCheckCache } = await import('../../build/direct-write-cache.js');
      return preview(engine, { source, builder: args.builder, checkCache: fileCheckCache(checkCacheDir()) }, run, Boolean(args.keep), logger, signal, (ready) =>
        announce(ready, args.json),
      );
    },
    'stopping the preview',
  );
}
