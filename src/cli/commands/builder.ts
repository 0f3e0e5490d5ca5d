import type { BuilderArguments, Options } from 'yargs';
import { runCommand } from '../run-command.js';
import type { GlobalArgv } from '../global-options.js';
import { stackPositionalSpec } from '../stack-positional.js';
import { PULL_POLICIES } from '../../registry/pull-policy.js';

export const command = 'builder <stack>';
export const describe = 'Make an S2I builder image (jupyter-<stack>) from a Jupyter stack image';

const builderOptionSpecs = {
  from: { type: 'string', describe: 'base image (default quay.io/jupyter/<stack>)' },
  tag: { type: 'string', describe: 'output image name (default jupyter-<stack>)' },
  'pull-policy': { choices: PULL_POLICIES, default: 'if-not-present', describe: 'when to pull the base image' },
  dockerfile: {
    type: 'boolean',
    default: false,
    describe: 'build through a Dockerfile (chgrp/chmod copy the trees into a new layer) instead of rewriting the layers',
  },
  'as-dockerfile': {
    type: 'string',
    requiresArg: true,
    describe:
      'write the builder as a Dockerfile and its context into this directory instead of building (docker build, buildah, kaniko, oc new-build); its other files are left alone',
  },
} as const satisfies Record<string, Options>;

export const builder = (yargs: GlobalArgv) =>
  yargs
    .positional('stack', stackPositionalSpec)
    .options(builderOptionSpecs)
    .check((argv) => {
      if (argv['as-dockerfile'] === undefined) return true;
      if (argv.tag !== undefined) return '--tag names the image tjs2i builds: with --as-dockerfile, give it to docker build -t instead';
      if (argv.dockerfile) return '--dockerfile builds through the engine: it cannot be used with --as-dockerfile';
      if (argv['as-dockerfile'].trim() === '') return '--as-dockerfile needs a directory';
      return true;
    });

type BuilderArgs = BuilderArguments<typeof builder>;

export async function handler(args: BuilderArgs): Promise<void> {
  await runCommand(args, async ({ logger, engine, signal }) => {
    if (args.asDockerfile !== undefined) {
      const { writeBuilderAsDockerfile } = await import('../../builder/builder-as-dockerfile.js');
      return writeBuilderAsDockerfile(engine, { stack: args.stack, dir: args.asDockerfile, ...(args.from ? { from: args.from } : {}) }, logger, signal);
    }
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
