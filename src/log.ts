/**
 * Logging on stderr (stdout is kept for machine-readable results). Steps are timed: `step` prints
 * what is starting and, when it ends, how long it took. With `plain`, everything written (output of
 * processes in the engine included) becomes plain, optionally timestamped lines (plain-lines.ts).
 */
import { createPlainLines, type PlainLinesOptions } from './plain-lines.js';

export type LogLevel = 'quiet' | 'info' | 'debug';

export interface Logger {
  readonly level: LogLevel;
  /** Written as it comes to a terminal: progress may redraw its line in place. */
  readonly terminal: boolean;
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** Raw output of a process inside the engine (assemble, docker build), streamed as it comes. */
  output(chunk: string | Buffer): void;
  step<T>(name: string, detail: string, run: () => Promise<T>): Promise<T>;
  /** A line printed at every level (errors, the interrupt notice); it may hold several lines. */
  line(text: string): void;
  /** Ends a partial line of output (before exiting). */
  flush(): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  write?: (text: string) => void;
  now?: () => number;
  /** Plain lines: no control characters, optionally timestamped; without it, text goes out as it is. */
  plain?: Omit<PlainLinesOptions, 'write'>;
  /** The output is a terminal (ignored with `plain`). */
  terminal?: boolean;
}

export function formatDuration(ms: number): string {
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  // Round before comparing, so 999,999 bytes is "1.0 MB", not "1000.0 kB".
  while (unit < units.length - 1 && (unit === 0 ? value : Number(value.toFixed(1))) >= 1000) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const raw = options.write ?? ((text: string) => void process.stderr.write(text));
  const now = options.now ?? (() => performance.now());
  const plain = options.plain ? createPlainLines({ ...options.plain, write: raw }) : undefined;
  const write = (chunk: string | Buffer) => (plain ? plain.write(chunk) : raw(chunk.toString()));
  const flush = () => plain?.flush();
  const line = (text: string) => {
    // A line of our own never continues a partial line of a process's output.
    flush();
    write(`${text}\n`);
  };
  return {
    level,
    terminal: !plain && options.terminal === true,
    info: (message) => {
      if (level !== 'quiet') line(message);
    },
    warn: (message) => line(`warning: ${message}`),
    debug: (message) => {
      if (level === 'debug') line(`debug: ${message}`);
    },
    output: (chunk) => {
      if (level !== 'quiet') write(chunk);
    },
    line,
    flush,
    async step(name, detail, run) {
      if (level !== 'quiet') line(`==> ${name}: ${detail}`);
      const started = now();
      try {
        const result = await run();
        if (level !== 'quiet') line(`<== ${name} done in ${formatDuration(now() - started)}`);
        return result;
      } catch (error) {
        if (level !== 'quiet') line(`<== ${name} failed after ${formatDuration(now() - started)}`);
        throw error;
      }
    },
  };
}
