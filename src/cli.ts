/** The yargs root: commands, global options, and usage errors as one line with exit code 2. */
import yargs from 'yargs';
import * as buildCommand from './commands/build.js';
import * as builderCommand from './commands/builder.js';
import { ExitCode } from './errors.js';

export async function main(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('tjs2i')
    .usage('$0 <command> [options]\n\nSource-to-Image for Jupyter: turn a notebook repository into a Jupyter image that runs under any UID.')
    .command(builderCommand)
    .command(buildCommand)
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'only errors (no step lines, no assemble output)' })
    .option('debug', { type: 'boolean', describe: 'more detail, and stacks for unexpected errors' })
    .option('docker-host', { type: 'string', describe: 'engine endpoint, unix:///path or tcp://host:port (overrides DOCKER_HOST)' })
    .demandCommand(1, 'give a command: builder or build')
    .strict()
    .help()
    .version()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((message, error) => {
      if (error) throw error;
      process.stderr.write(`error: ${message} (see tjs2i --help)\n`);
      process.exit(ExitCode.usage);
    })
    .parseAsync();
}
