/**
 * `tjs2i run <image>`: serve an image as a user would try it. Prints one line on stdout, the URL to
 * open, once Jupyter answers; the server's log goes to stderr; Ctrl-C stops and removes the
 * container and exits 0.
 */
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { runCommand, type GlobalOptions } from '../run-command.js';
import { UsageError } from '../../common/errors.js';
import type { RunImageOptions, ServerReady } from '../../serve/run-image.js';
import { runOptionsOf } from '../../serve/run-options.js';

export interface RunTimeArgs {
  port?: string | number;
  env?: string[];
  user?: string;
  volume?: string[];
  timeout?: number;
}

interface RunArgs extends GlobalOptions, RunTimeArgs {
  image: string;
}

export const command = 'run <image>';
export const describe = 'Serve an image: publish Jupyter on 127.0.0.1, print the URL to open, stop and remove it on Ctrl-C';

/** Repeatable string options: yargs gives one string, or an array when the flag is repeated. */
export const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);

/** `-p/--port`, shared by run, preview and build --run. */
export const portOption = { alias: 'p', type: 'string', requiresArg: true, describe: 'host port on 127.0.0.1 (default: any free port)' } as const;

/** The run-time options of run and preview. */
export function runTimeOptions<T>(yargs: Argv<T>): Argv<T> {
  return yargs
    .group(['port', 'env', 'user', 'volume', 'timeout'], 'Run:')
    .option('port', portOption)
    .option('env', {
      alias: 'e',
      type: 'string',
      requiresArg: true,
      coerce: list,
      describe: 'NAME=VALUE, or NAME to pass its value from here (use -e PASSWORD for a password); repeatable',
    })
    .option('user', { alias: 'u', type: 'string', requiresArg: true, describe: 'UID[:GID] to run as, e.g. a random UID with group 0 as OpenShift does' })
    .option('volume', {
      alias: 'v',
      type: 'string',
      requiresArg: true,
      coerce: list,
      describe: 'NAME:/path or /host/path:/path[:ro], as docker run -v; repeatable',
    })
    .option('timeout', { type: 'number', requiresArg: true, default: 120, describe: 'seconds Jupyter may take to answer' }) as unknown as Argv<T>;
}

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

export const builder = (yargs: Argv): Argv<RunArgs> =>
  runTimeOptions(
    yargs.positional('image', { type: 'string', demandOption: true, describe: 'image to serve, e.g. one tjs2i build made' }),
  ) as unknown as Argv<RunArgs>;

export async function handler(args: ArgumentsCamelCase<RunArgs>): Promise<void> {
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
