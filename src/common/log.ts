/**
 * Logging on stderr (stdout is kept for machine-readable results). Steps are timed: `step` prints
 * what is starting and, when it ends, how long it took. With `plain`, everything written (output of
 * processes in the engine included) becomes plain, optionally timestamped lines (plain-lines.ts).
 */
import { StringDecoder } from 'node:string_decoder';
import { createPlainLines, type PlainLines, type PlainLinesOptions } from './plain-lines.js';

export type LogLevel = 'quiet' | 'info' | 'debug';

export interface Logger {
  readonly level: LogLevel;
  /** Written as it comes to a terminal: progress may redraw its line in place. */
  readonly terminal: boolean;
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /**
   * Raw output of a process inside the engine (assemble, docker build), streamed as it comes. Each
   * `stream` (stdout, stderr) keeps its own partial line and UTF-8 decoder: the engine does not keep
   * the order of writes across a container's two streams, so in plain lines a line of one is never
   * glued to a line of the other (a terminal shows the text as it comes).
   */
  output(chunk: string | Buffer, stream?: string): void;
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

/** The clock, never going back: the times of lines from several streams stay in order. */
function neverBackwards(clock: () => number): () => number {
  let last = -Infinity;
  return () => (last = Math.max(last, clock()));
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const raw = options.write ?? ((text: string) => void process.stderr.write(text));
  const now = options.now ?? (() => performance.now());
  const plainOptions = options.plain && { ...options.plain, clock: neverBackwards(options.plain.clock ?? Date.now), write: raw };
  /** Per stream of output ('' is tjs2i's own): its plain-lines state, or its UTF-8 decoder. */
  const plains = new Map<string, PlainLines>();
  const decoders = new Map<string, StringDecoder>();
  const write = (chunk: string | Buffer, stream = '') => {
    if (!plainOptions) {
      if (typeof chunk === 'string') return raw(chunk);
      // A character cut between two chunks waits for its other bytes.
      let decoder = decoders.get(stream);
      if (!decoder) decoders.set(stream, (decoder = new StringDecoder('utf8')));
      const text = decoder.write(chunk);
      return text === '' ? undefined : raw(text);
    }
    let plain = plains.get(stream);
    if (!plain) plains.set(stream, (plain = createPlainLines(plainOptions)));
    plain.write(chunk);
  };
  const endLines = () => {
    for (const plain of plains.values()) plain.flush();
  };
  const flush = () => {
    endLines();
    // The bytes of a character cut off at the very end (a terminal shows them as they are).
    for (const decoder of decoders.values()) {
      const rest = decoder.end();
      if (rest !== '') raw(rest);
    }
  };
  const line = (text: string) => {
    // A line of our own never continues a partial line of a process's output (plain lines); on a
    // terminal, a character cut between two chunks of output still waits for its other bytes.
    endLines();
    write(`${text}\n`);
  };
  return {
    level,
    terminal: !plainOptions && options.terminal === true,
    info: (message) => {
      if (level !== 'quiet') line(message);
    },
    warn: (message) => line(`warning: ${message}`),
    debug: (message) => {
      if (level === 'debug') line(`debug: ${message}`);
    },
    output: (chunk, stream) => {
      if (level !== 'quiet') write(chunk, stream === undefined ? 'output' : `output:${stream}`);
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
