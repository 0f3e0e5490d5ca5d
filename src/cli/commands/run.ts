/**
 * `tjs2i run <image>`: serve an image as a user would try it. Prints one line on stdout, the URL to
 * open, once Jupyter answers; the server's log goes to stderr; Ctrl-C stops and removes the
 * container and exits 0.
 */
import type { BuilderArguments } from 'yargs';
import { runCommand } from '../run-command.js';
import type { GlobalArgv } from '../global-options.js';
import { runTimeOptionSpecs, type RunTimeArgs } from '../run-time-options.js';
import { UsageError } from '../../common/errors.js';
import type { RunImageOptions, ServerReady } from '../../serve/run-image.js';
import { runOptionsOf } from '../../serve/run-options.js';

export const command = 'run <image>';
export const describe = 'Serve an image: publish Jupyter on 127.0.0.1, print the URL to open, stop and remove it on Ctrl-C';

/** The run options of a parsed command line (exported for unit tests). */
export function runImageOptionsOf(args: RunTimeArgs, env: NodeJS.ProcessEnv = process.env, warn: (message: string) => void = () => undefined): RunImageOptions {
  const timeout = args.timeout ?? 120;
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new UsageError(`--timeout ${String(args.timeout)}: not a number of seconds`, 'give a positive number of seconds');
  return { ...runOptionsOf(args, env, warn), readyTimeoutMs: timeout * 1000 };
}

/** The one line for stdout once the server answers. */
export function readyLine(ready: ServerReady): string {
  return ready.passwordRequired ? `open ${ready.url} (password required)` : `open ${ready.url}`;
}

/** Prints the ready line, or with --json one JSON line (the final result follows when it ends). */
export function announce(ready: ServerReady, json: boolean | undefined): void {
  process.stdout.write(json ? `${JSON.stringify({ ready: true, ...ready })}\n` : `${readyLine(ready)}\n`);
}

export const builder = (yargs: GlobalArgv) =>
  yargs.positional('image', { type: 'string', demandOption: true, describe: 'image to serve, e.g. one tjs2i build made' }).options(runTimeOptionSpecs);

type RunArgs = BuilderArguments<typeof builder>;

export async function handler(args: RunArgs): Promise<void> {
  await runCommand(
    args,
    async ({ logger, engine, signal }) => {
      const options = runImageOptionsOf(args, process.env, (m) => logger.warn(m));
      const { runImage } = await import('../../serve/run-image.js');
      return runImage(engine, args.image, options, logger, signal, (ready) => announce(ready, args.json));
    },
    'stopping the server',
  );
}
