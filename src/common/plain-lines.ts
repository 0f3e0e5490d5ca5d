/**
 * Terminal output made into plain log lines, for CI logs (stderr is not a terminal): escape
 * sequences (colours, cursor moves, titles, links) are removed, and so is every control character
 * but the tab; a line redrawn with a carriage return (a progress bar) is kept as separate lines, at
 * most one per `redrawIntervalMs` except the last frame; each line can start with an ISO-8601 UTC
 * time with milliseconds. Chunks may be cut anywhere, inside a line, an escape sequence or a UTF-8
 * character: the partial line waits for the rest, and `flush` ends it.
 */
import { StringDecoder } from 'node:string_decoder';

export interface PlainLinesOptions {
  /** Where finished lines go, each one ending in a newline. */
  write: (text: string) => void;
  /** Start each line with the time it was finished: `2026-11-26T11:25:03.123Z `. */
  timestamps: boolean;
  /** Wall clock in milliseconds since the epoch (default Date.now). */
  clock?: () => number;
  /** Least time between two kept frames of a redrawn line; the last frame is always kept. */
  redrawIntervalMs?: number;
}

export interface PlainLines {
  /** Raw output, in chunks cut anywhere. */
  write(chunk: string | Uint8Array): void;
  /** Ends the partial line, if there is one (end of a step, exit). */
  flush(): void;
}

/** A partial line longer than this is written as a line of its own. */
export const MAX_LINE_CHARS = 8192;

const ESC = '\x1b';
/** What is not plain text: C0 controls but the tab, DEL, C1 controls. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const SPECIAL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

export function createPlainLines(options: PlainLinesOptions): PlainLines {
  const decoder = new StringDecoder('utf8');
  const lines = new LogLines(options);
  const reader = new TerminalOutputReader(lines);
  return {
    write(chunk) {
      reader.read(typeof chunk === 'string' ? decoder.end() + chunk : decoder.write(chunk));
      lines.drain();
    },
    flush() {
      reader.read(decoder.end());
      reader.dropUnfinishedSequence();
      lines.endPartialLine();
      lines.drain();
    },
  };
}

/** Plain text made into log lines: cut when too long, a redrawn line's frames thinned out, each stamped when finished. */
class LogLines {
  private readonly clock: () => number;
  private readonly redrawIntervalMs: number;
  private line = '';
  /** A carriage return was seen: the next text redraws the line, unless a newline comes first. */
  private carriageReturnSeen = false;
  private lastTime = -Infinity;
  private lastFrame = -Infinity;
  /** Finished lines not written yet: one write per chunk of input. */
  private out: string[] = [];

  constructor(private readonly options: PlainLinesOptions) {
    this.clock = options.clock ?? Date.now;
    this.redrawIntervalMs = options.redrawIntervalMs ?? 1000;
  }

  text(value: string): void {
    if (value === '') return;
    if (this.carriageReturnSeen) this.redraw();
    this.line += value;
    // Output that never ends its line (dot progress, a long dump) is cut into lines of
    // MAX_LINE_CHARS, so the log shows it as it comes and the held text stays bounded.
    while (this.line.length >= MAX_LINE_CHARS) {
      const rest = this.line.slice(MAX_LINE_CHARS);
      this.line = this.line.slice(0, MAX_LINE_CHARS);
      this.newline();
      this.line = rest;
    }
  }

  newline(): void {
    this.emit(this.line);
    this.line = '';
    this.carriageReturnSeen = false;
  }

  carriageReturn(): void {
    this.carriageReturnSeen = true;
  }

  endPartialLine(): void {
    if (this.line !== '') this.newline();
    this.carriageReturnSeen = false;
  }

  /** Writes the lines finished so far. */
  drain(): void {
    if (this.out.length === 0) return;
    const text = this.out.join('');
    this.out = [];
    this.options.write(text);
  }

  /** Text after a carriage return: the line so far was one frame of a redrawn line. */
  private redraw(): void {
    this.carriageReturnSeen = false;
    if (this.line.trim() !== '' && this.clock() - this.lastFrame >= this.redrawIntervalMs) {
      this.lastFrame = this.clock();
      this.emit(this.line);
    }
    this.line = '';
  }

  private emit(text: string): void {
    this.out.push(this.options.timestamps ? `${this.stamp()}${text ? ` ${text}` : ''}\n` : `${text}\n`);
  }

  private stamp(): string {
    // Never backwards, even when the wall clock is set back.
    this.lastTime = Math.max(this.lastTime, this.clock());
    return new Date(this.lastTime).toISOString();
  }
}

type State = 'text' | 'escape' | 'escapeIntermediate' | 'csi' | 'string' | 'stringEscape';

/** Terminal output read character by character: text and line controls go to the lines, escape sequences and other controls are dropped. */
class TerminalOutputReader {
  private state: State = 'text';

  constructor(private readonly lines: LogLines) {}

  read(input: string): void {
    let i = 0;
    while (i < input.length) {
      if (this.state === 'text') {
        i = this.readText(input, i);
      } else if (this.sequenceTakes(input[i]!)) {
        i++;
      }
    }
  }

  /** An escape sequence cut off at the end of the output is dropped with it. */
  dropUnfinishedSequence(): void {
    this.state = 'text';
  }

  /** Plain text from `start` up to the next control character, and that character; where to read on. */
  private readText(input: string, start: number): number {
    SPECIAL.lastIndex = start;
    const found = SPECIAL.exec(input);
    const end = found ? found.index : input.length;
    this.lines.text(input.slice(start, end));
    if (found) this.control(input[end]!);
    return end + 1;
  }

  /** A control character outside of an escape sequence. */
  private control(char: string): void {
    if (char === '\n') this.lines.newline();
    else if (char === '\r') this.lines.carriageReturn();
    else if (char === ESC) this.state = 'escape';
    // Any other control character (bell, backspace, C1) is dropped.
  }

  /**
   * One character inside an escape sequence: moves on the sequence, and says whether the character
   * was part of it; one that is not is read again as what it is once the sequence has ended.
   */
  private sequenceTakes(char: string): boolean {
    const code = char.charCodeAt(0);
    switch (this.state) {
      case 'escape':
        if (char === '[') this.state = 'csi';
        else if (char === ']' || char === 'P' || char === 'X' || char === '^' || char === '_') this.state = 'string';
        else if (code >= 0x20 && code <= 0x2f) this.state = 'escapeIntermediate';
        else if (code >= 0x30 && code <= 0x7e) this.state = 'text';
        // Not a sequence after all: the character counts as what it is.
        else if (char !== ESC) return this.endsBefore('text');
        return true;
      case 'escapeIntermediate':
        if (code >= 0x30 && code <= 0x7e) this.state = 'text';
        else if (code < 0x20 || code > 0x2f) return this.endsBefore('text');
        return true;
      case 'csi':
        // Parameters and intermediates, then one final byte.
        if (code >= 0x40 && code <= 0x7e) this.state = 'text';
        else if (code < 0x20 || code > 0x3f) return this.endsBefore('text');
        return true;
      case 'string':
        // OSC, DCS, SOS, PM, APC: up to BEL or ST (ESC \); a newline ends it too, so an
        // unterminated one cannot swallow the rest of the log.
        if (char === '\x07') this.state = 'text';
        else if (char === ESC) this.state = 'stringEscape';
        else if (char === '\n') return this.endsBefore('text');
        return true;
      case 'stringEscape':
        if (char === '\\') this.state = 'text';
        else return this.endsBefore('escape');
        return true;
      case 'text':
        // Read a run at a time by readText, never here.
        return false;
    }
  }

  /** The sequence ends before this character (not one of its own): it is read again in `state`. */
  private endsBefore(state: State): false {
    this.state = state;
    return false;
  }
}
