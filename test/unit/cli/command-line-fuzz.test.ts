/**
 * Fuzzing the command lines users type, through the CLI's own yargs definition and the functions
 * its handlers read the options with, up to the line the CLI prints (error-line.ts), without an
 * engine: for any -u, -e, --exclude, output name or run option, the CLI either has its options or
 * prints one `error:` line with exit code 2, never "an unexpected error".
 */
import { expect } from 'chai';
import fc from 'fast-check';
import yargs from 'yargs';
import * as buildCommand from '../../../src/cli/commands/build.js';
import * as runImageCommand from '../../../src/cli/commands/run.js';
import { runImageOptionsOf } from '../../../src/cli/commands/run.js';
import { exitCodeOf, formatCommandLineError, formatError } from '../../../src/cli/error-line.js';
import { globalOptions } from '../../../src/cli/main.js';
import { ExitCode } from '../../../src/common/errors.js';
import { invalidImageName, isValidImageName } from '../../../src/registry/image-ref.js';
import { compileExclude } from '../../../src/source/source-filter.js';
import { anyText, expectUsageRefusal, fuzzParameters, mutated } from '../../support/unit/fuzz.js';
import { usageErrorOf } from '../../support/unit/helpers.js';

type Parsed = { args: Record<string, unknown> } | { line: string };

/** Parses a command line with the CLI's definition: the handler's arguments, or the line yargs' refusal prints. */
function parse(argv: string[]): Parsed {
  let args: Record<string, unknown> | undefined;
  let line: string | undefined;
  const capture = (parsed: Record<string, unknown>) => void (args = parsed);
  globalOptions(yargs(argv))
    .command({ ...buildCommand, handler: capture })
    .command({ ...runImageCommand, handler: capture })
    .demandCommand(1)
    .strict()
    .exitProcess(false)
    .help(false)
    .version(false)
    // No width to compute: yargs lays out its whole help on every parse, the most of its 25 to 60 ms.
    .wrap(null)
    .fail((message, failure) => {
      line = formatCommandLineError(message || failure?.message || 'failed');
    })
    .parseSync();
  if (line !== undefined) return { line };
  if (args === undefined) throw new Error(`no handler ran for ${JSON.stringify(argv)}`);
  return { args };
}

/** What the CLI prints for a handler's error: one line, exit 2, not "unexpected". */
function expectPrintedRefusal(error: unknown): void {
  expectUsageRefusal(error);
  expect(exitCodeOf(error)).to.equal(ExitCode.usage);
  expect(formatError(error, true), 'under --debug too').not.to.match(/[\n\r]|unexpected error/);
}

function expectOneLine(line: string): void {
  expect(line).to.match(/^error: .* \(see tjs2i --help\)$/);
  expect(/[\p{Cc}\u2028\u2029]/u.test(line), JSON.stringify(line)).to.equal(false);
}

const uids = fc.oneof(anyText, mutated(fc.constantFrom('1000-2000', '5', '-100', '1-,5'), ['-', ',', ' ', '0', 'x']));
const envArg = fc.oneof(anyText, mutated(fc.constantFrom('A=1', 'PASSWORD', 'B='), ['=', ' ', '\n', '-']));
const exclude = fc.oneof(anyText, mutated(fc.constantFrom('(^|/)\\.git(/|$)', '\\.csv$'), ['(', '[', '\\', '*']));
const output = fc.oneof(anyText, mutated(fc.constantFrom('my-course:v1', 'registry:5000/org/c'), [':', '/', '@', 'A', ' ']));

describe('command lines, fuzzed through the CLI definition (fast-check)', function () {
  this.timeout(20000);

  it('build: any -u, -e, --exclude and output name give the options or one error line with exit 2', () => {
    fc.assert(
      fc.property(output, fc.array(uids, { maxLength: 2 }), fc.array(envArg, { maxLength: 2 }), fc.option(exclude, { nil: undefined }), (out, u, e, x) => {
        const argv = ['build', '.', 'jupyter-minimal-notebook', out, ...u.map((v) => `--allowed-uids=${v}`), ...e.map((v) => `--env=${v}`)];
        if (x !== undefined) argv.push(`--exclude=${x}`);
        const parsed = parse(argv);
        if ('line' in parsed) return expectOneLine(parsed.line);
        try {
          // What the handler and the pipeline read before any engine call.
          const options = buildCommand.buildOptionsOf(parsed.args as Parameters<typeof buildCommand.buildOptionsOf>[0]);
          compileExclude(options.exclude);
          if (!isValidImageName(options.output)) throw invalidImageName('output image name', options.output, 'use lowercase name[:tag]');
        } catch (error) {
          expectPrintedRefusal(error);
        }
      }),
      fuzzParameters(10),
    );
  });

  it('run: any -e, --port, --volume, --user and --timeout give the options or one error line with exit 2', () => {
    fc.assert(
      fc.property(
        fc.array(envArg, { maxLength: 2 }),
        fc.option(fc.oneof(anyText, fc.constantFrom('8888', '0', '65536', '1e3')), { nil: undefined }),
        fc.option(fc.oneof(anyText, mutated(fc.constantFrom('data:/home/jovyan/data', './x:/y:ro'), [':', ',', '.', '/'])), { nil: undefined }),
        fc.option(anyText, { nil: undefined }),
        fc.option(fc.oneof(anyText, fc.constantFrom('30', '-1', '0.5')), { nil: undefined }),
        (e, port, volume, user, timeout) => {
          const argv = ['run', 'my-course', ...e.map((v) => `--env=${v}`)];
          if (port !== undefined) argv.push(`--port=${port}`);
          if (volume !== undefined) argv.push(`--volume=${volume}`);
          if (user !== undefined) argv.push(`--user=${user}`);
          if (timeout !== undefined) argv.push(`--timeout=${timeout}`);
          const parsed = parse(argv);
          if ('line' in parsed) return expectOneLine(parsed.line);
          try {
            runImageOptionsOf(parsed.args as Parameters<typeof runImageOptionsOf>[0], { PASSWORD: 'pw' });
          } catch (error) {
            expectPrintedRefusal(error);
          }
        },
      ),
      fuzzParameters(10),
    );
  });

  describe('regressions found by fuzzing', () => {
    it('shows a --port or --volume holding a NUL or a newline escaped', () => {
      expect(usageErrorOf(() => runImageOptionsOf({ port: '\0' })).message).to.equal('--port \\u0000: not a port number');
      expect(usageErrorOf(() => runImageOptionsOf({ volume: ['a\nb'] })).message).to.equal('--volume a\\nb: expected SRC:DST[:OPTIONS]');
    });
  });
});
