import type { Argv, ArgumentsCamelCase } from 'yargs';
import { runCommand, type GlobalOptions } from '../run-command.js';
import { PULL_POLICIES, type PullPolicy } from '../../registry/pull-policy.js';
import { STACKS } from '../../builder/stacks.js';

interface BuilderArgs extends GlobalOptions {
  stack: string;
  from?: string;
  tag?: string;
  pullPolicy: PullPolicy;
  dockerfile: boolean;
}

export const command = 'builder <stack>';
export const describe = 'Make an S2I builder image (jupyter-<stack>) from a Jupyter stack image';

export const builder = (yargs: Argv): Argv<BuilderArgs> =>
  yargs
    .positional('stack', { type: 'string', demandOption: true, describe: `one of ${STACKS.map((s) => s.name).join(', ')}` })
    .option('from', { type: 'string', describe: 'base image (default quay.io/jupyter/<stack>)' })
    .option('tag', { type: 'string', describe: 'output image name (default jupyter-<stack>)' })
    .option('pull-policy', { choices: PULL_POLICIES, default: 'if-not-present', describe: 'when to pull the base image' })
    .option('dockerfile', {
      type: 'boolean',
      default: false,
      describe: 'build through a Dockerfile (chgrp/chmod copy the trees into a new layer) instead of rewriting the layers',
    }) as unknown as Argv<BuilderArgs>;

export async function handler(args: ArgumentsCamelCase<BuilderArgs>): Promise<void> {
  await runCommand(args, async ({ logger, engine, signal }) => {
    const { makeBuilder } = await import('../../builder/make-builder.js');
    return makeBuilder(
      engine,
      {
        stack: args.stack,
        ...(args.from ? { from: args.from } : {}),
        ...(args.tag ? { tag: args.tag } : {}),
        pullPolicy: args.pullPolicy,
        dockerfile: args.dockerfile,
      },
      logger,
      signal,
    );
  });
}
