import type { BuilderArguments } from 'yargs';
import { runCommand } from '../run-command.js';
import type { GlobalArgv } from '../global-options.js';

export const command = 'usage <builder>';
export const describe = "Print a builder image's usage (its S2I usage script)";

export const builder = (yargs: GlobalArgv) => yargs.positional('builder', { type: 'string', demandOption: true, describe: 'builder image' });

type UsageArgs = BuilderArguments<typeof builder>;

export async function handler(args: UsageArgs): Promise<void> {
  await runCommand(args, async ({ logger, engine, signal }) => {
    let text = '';
    const { showUsage } = await import('../../s2i/show-usage.js');
    await showUsage(
      engine,
      args.builder,
      (chunk, stream) => {
        if (stream === 'stderr') logger.output(chunk, stream);
        else if (args.json) text += chunk.toString();
        else process.stdout.write(chunk);
      },
      logger,
      signal,
    );
    return { builder: args.builder, usage: text };
  });
}
