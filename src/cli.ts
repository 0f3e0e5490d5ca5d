/** The yargs root: commands, global options, and usage errors as one line with exit code 2. */
import yargs from 'yargs';
import * as buildCommand from './commands/build.js';
import * as builderCommand from './commands/builder.js';
import * as previewCommand from './commands/preview.js';
import * as runImageCommand from './commands/run.js';
import * as templateCommand from './commands/template.js';
import * as stacksCommand from './commands/stacks.js';
import * as usageCommand from './commands/usage.js';
import * as versionCommand from './commands/version.js';
import { ExitCode } from './errors.js';
import { tjs2iVersion } from './version.js';
import { keepYoungGenerationSmall } from './young-garbage.js';

export async function main(argv: string[]): Promise<void> {
  keepYoungGenerationSmall();
  await yargs(argv)
    .scriptName('tjs2i')
    .usage('$0 <command> [options]\n\nSource-to-Image for Jupyter: turn a notebook repository into a Jupyter image that runs under any UID.')
    .command(builderCommand)
    .command(stacksCommand)
    .command(buildCommand)
    .command(runImageCommand)
    .command(previewCommand)
    .command(templateCommand)
    .command(usageCommand)
    .command(versionCommand)
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'only errors (no step lines, no assemble output)' })
    .option('verbose', { type: 'boolean', describe: 'more detail, and stacks for unexpected errors' })
    .option('loglevel', { type: 'number', requiresArg: true, describe: "s2i's log level: 0-1 normal, 2-5 as --verbose" })
    .option('debug', { type: 'boolean', hidden: true })
    .option('json', { type: 'boolean', describe: 'print one result object (JSON) on stdout; logs stay on stderr' })
    .option('docker-host', { type: 'string', requiresArg: true, describe: 'engine endpoint, unix:///path or tcp://host:port (overrides DOCKER_HOST)' })
    .conflicts('quiet', 'verbose')
    .check((argv) => {
      const level = argv.loglevel;
      if (level !== undefined && (!Number.isInteger(level) || level < 0 || level > 5)) return '--loglevel must be an integer from 0 to 5';
      return true;
    })
    .demandCommand(1, 'give a command: builder, build, run, preview, stacks, template, usage or version')
    .strict()
    .help()
    .version(tjs2iVersion())
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((message, error: unknown) => {
      // Handlers catch their own errors (runCommand): what arrives here is yargs' validation of the
      // command line, including the messages the check() functions return.
      const text = message || (error instanceof Error ? error.message : String(error));
      process.stderr.write(`error: ${text} (see tjs2i --help)\n`);
      process.exit(ExitCode.usage);
    })
    .parseAsync();
}
