/**
 * What every command handler gets: a logger, an engine, and an AbortSignal that fires on the first
 * Ctrl-C (the handler cleans up and exits 130); a second Ctrl-C exits at once. Errors become exit
 * codes with one line on stderr, never a stack or a help text, except for bugs under --debug.
 */
import type { Engine } from '../engine/engine.js';
import { ExitCode, InterruptedError, Tjs2iError, BuildFailedError } from '../common/errors.js';
import { exitCodeOf, formatError } from './error-line.js';
import { logEngine } from './engine-report.js';
import { createLogger, type Logger, type LogLevel } from '../common/log.js';
import { stderrFormat } from '../common/stderr-format.js';
import type { GlobalOptions } from './global-options.js';

export interface CommandContext {
  logger: Logger;
  engine: Engine;
  signal: AbortSignal;
}

export function logLevelOf(options: GlobalOptions): LogLevel {
  if (options.debug || options.verbose || (options.loglevel ?? 0) >= 2) return 'debug';
  return options.quiet ? 'quiet' : 'info';
}

/**
 * The key under which a handler's result may carry an exit code other than 0: a command that did
 * its work and found what it reports on wanting (`tjs2i check`: the image would not run). A symbol,
 * so the --json result never shows it.
 */
export const RESULT_EXIT_CODE = Symbol('exitCode');

/** A handler's result with the exit code the command ends with. */
export function withExitCode<T extends object>(result: T, exitCode: ExitCode): T & { [RESULT_EXIT_CODE]: ExitCode } {
  return { ...result, [RESULT_EXIT_CODE]: exitCode };
}

/** The exit code a handler's result asks for: 0 unless it carries one (withExitCode). */
export function exitCodeOfResult(result: object | void): ExitCode {
  return (result as { [RESULT_EXIT_CODE]?: ExitCode } | undefined)?.[RESULT_EXIT_CODE] ?? ExitCode.ok;
}

/** What --json prints: the command's result, or the error, as one line of JSON. */
export function jsonResult(result: unknown, error?: unknown): string {
  if (error === undefined) return JSON.stringify({ ok: true, ...(result as object) });
  const exitCode = exitCodeOf(error);
  const message = error instanceof Tjs2iError ? error.message : String((error as Error)?.message ?? error);
  return JSON.stringify({ ok: false, exitCode, error: message, ...(error instanceof Tjs2iError && error.hint ? { hint: error.hint } : {}) });
}

/**
 * Runs a command handler; what it returns is the --json result. Never returns: exits with the
 * handler's exit code once cleanup is done.
 */
export async function runCommand(
  options: GlobalOptions,
  handler: (ctx: CommandContext) => Promise<object | void>,
  /** What the first Ctrl-C means, said on stderr (for a server, it is the normal way to stop). */
  onInterrupt = 'interrupted: cleaning up',
): Promise<void> {
  const logger = createLogger({ level: logLevelOf(options), ...stderrFormat(options.timestamps) });
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) {
      logger.flush(); // the partial line of output held for the log
      process.exit(ExitCode.interrupted);
    }
    // On a terminal, the line after the echoed ^C.
    logger.line(`${logger.terminal ? '\n' : ''}${onInterrupt} (Ctrl-C again to quit at once)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed terminal (SIGHUP) must not leave a serving container or a build container behind.
  process.on('SIGHUP', onSignal);
  // A reader that went away (`tjs2i build … | head`): stop and clean up as for Ctrl-C, instead of
  // dying of the write error (EPIPE) with a build container left behind.
  const onOutputClosed = () => controller.abort();
  process.stdout.on('error', onOutputClosed);
  process.stderr.on('error', onOutputClosed);
  try {
    // Loaded here, not at start-up: dockerode is the largest part of the CLI, and only the commands
    // that talk to the engine pay for it.
    const { createEngine } = await import('../engine/engine.js');
    const engine = createEngine(options.dockerHost !== undefined ? { dockerHost: options.dockerHost } : {});
    await logEngine(engine, logger, controller.signal);
    const result = await handler({ logger, engine, signal: controller.signal });
    if (options.json) process.stdout.write(`${jsonResult(result ?? {})}\n`);
    process.exitCode = exitCodeOfResult(result);
  } catch (caught) {
    const error = controller.signal.aborted ? new InterruptedError() : caught;
    if (error instanceof BuildFailedError && error.lastLines.length > 0 && logger.level === 'quiet') {
      logger.line(`last lines of output:\n${error.lastLines.map((l) => `  ${l}`).join('\n')}`);
    }
    logger.line(formatError(error, logger.level === 'debug'));
    if (options.json) process.stdout.write(`${jsonResult(undefined, error)}\n`);
    process.exitCode = exitCodeOf(error);
  } finally {
    logger.flush();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
  // Exit explicitly once cleanup is done: a killed git may leave a helper process (git-remote-http)
  // holding a pipe open, which would otherwise keep the CLI alive after an interrupt.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(process.exitCode);
}
