import type { Argv, ArgumentsCamelCase } from 'yargs';
import { build } from '../build.js';
import { runCommand, type GlobalOptions } from '../command-context.js';
import { formatBytes, formatDuration } from '../log.js';

interface BuildArgs extends GlobalOptions {
  source: string;
  builder: string;
  output: string;
  ref?: string;
  contextDir?: string;
  copy?: boolean;
  ignoreSubmodules?: boolean;
}

export const command = 'build <source> <builder> <output>';
export const describe = 'Build a course image: run the builder\'s assemble on a source, commit the result';

export const builder = (yargs: Argv): Argv<BuildArgs> =>
  yargs
    .positional('source', { type: 'string', demandOption: true, describe: 'git URL (https, ssh, git, file) or local directory' })
    .positional('builder', { type: 'string', demandOption: true, describe: 'builder image, e.g. jupyter-minimal-notebook' })
    .positional('output', { type: 'string', demandOption: true, describe: 'name[:tag] of the image to make' })
    .option('ref', { type: 'string', describe: 'branch, tag or commit to build (git sources)' })
    .option('context-dir', { type: 'string', describe: 'subdirectory of the source to build' })
    .option('copy', { type: 'boolean', describe: 'use a local directory as it is on disk, even a git work tree (uncommitted files included)' })
    .option('ignore-submodules', { type: 'boolean', describe: 'do not check out the submodules of a git source' }) as unknown as Argv<BuildArgs>;

export async function handler(args: ArgumentsCamelCase<BuildArgs>): Promise<void> {
  await runCommand(args, async ({ logger, engine, signal }) => {
    const result = await build(
      engine,
      {
        source: {
          location: args.source,
          ...(args.ref ? { ref: args.ref } : {}),
          ...(args.contextDir !== undefined ? { contextDir: args.contextDir } : {}),
          ...(args.copy ? { copy: true } : {}),
          ...(args.ignoreSubmodules ? { ignoreSubmodules: true } : {}),
        },
        builder: args.builder,
        output: args.output,
      },
      logger,
      signal,
    );
    logger.info(
      `built ${result.image} (${result.imageId.replace('sha256:', '').slice(0, 12)}), ${formatBytes(result.size)}, in ${formatDuration(result.durationMs)}`,
    );
  });
}
