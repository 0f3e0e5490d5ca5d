/** The yargs root: commands, global options, and usage errors as one line with exit code 2. */
import yargs from 'yargs';
import * as buildCommand from './commands/build.js';
import * as builderCommand from './commands/builder.js';
import * as checkCommand from './commands/check.js';
import * as previewCommand from './commands/preview.js';
import * as runImageCommand from './commands/run.js';
import * as templateCommand from './commands/template.js';
import * as stacksCommand from './commands/stacks.js';
import * as usageCommand from './commands/usage.js';
import * as versionCommand from './commands/version.js';
import { ExitCode } from '../common/errors.js';
import { createLogger } from '../common/log.js';
import { stderrFormat, timestampsFromArgv } from '../common/stderr-format.js';
import { tjs2iVersion } from '../common/version.js';
import { keepYoungGenerationSmall } from '../common/gc-pacer.js';
import { globalOptions } from './global-options.js';
import { formatCommandLineError } from './error-line.js';

/** Exported for the check of the CI examples' command lines. */
export { globalOptions };

const wantsHelp = (argv: readonly string[]) => argv.some((arg) => arg === '--help' || arg === '-h' || arg === 'help');

export async function main(argv: string[]): Promise<void> {
  keepYoungGenerationSmall();
  await globalOptions(yargs(argv))
    .scriptName('tjs2i')
    // tjs2i speaks English; yargs' own texts too, whatever LANG says (the bundle has no locale files).
    .locale('en')
    .usage('$0 <command> [options]\n\nSource-to-Image for Jupyter: turn a notebook repository into a Jupyter image that runs under any UID.')
    .command(builderCommand)
    .command(stacksCommand)
    .command(buildCommand)
    .command(runImageCommand)
    .command(previewCommand)
    .command(checkCommand)
    .command(templateCommand)
    .command(usageCommand)
    .command(versionCommand)
    .demandCommand(1, 'give a command: builder, build, run, preview, check, stacks, template, usage or version')
    .strict()
    .help()
    .version(tjs2iVersion())
    // yargs renders the help text of every command it runs (to cache it); laid out only for --help.
    .wrap(wantsHelp(argv) ? Math.min(110, process.stdout.columns || 110) : null)
    .fail((message, error: unknown) => {
      // Handlers catch their own errors (runCommand): what arrives here is yargs' validation of the
      // command line, including the messages the check() functions return.
      const text = message || (error instanceof Error ? error.message : String(error));
      createLogger(stderrFormat(timestampsFromArgv(argv))).line(formatCommandLineError(text));
      process.exit(ExitCode.usage);
    })
    .parseAsync();
}
