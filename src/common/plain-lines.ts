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

type State = 'text' | 'escape' | 'escapeIntermediate' | 'csi' | 'string' | 'stringEscape';

const ESC = '\x1b';
/** What is not plain text: C0 controls but the tab, DEL, C1 controls. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const SPECIAL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

export function createPlainLines(options: PlainLinesOptions): PlainLines {
  const clock = options.clock ?? Date.now;
  const redrawIntervalMs = options.redrawIntervalMs ?? 1000;
  const decoder = new StringDecoder('utf8');
  let state: State = 'text';
  let line = '';
  /** A carriage return was seen: the next text redraws the line, unless a newline comes first. */
  let carriageReturn = false;
  let lastTime = -Infinity;
  let lastFrame = -Infinity;
  let out: string[] = [];

  const stamp = () => {
    // Never backwards, even when the wall clock is set back.
    lastTime = Math.max(lastTime, clock());
    return new Date(lastTime).toISOString();
  };
  const emit = (text: string) => out.push(options.timestamps ? `${stamp()}${text ? ` ${text}` : ''}\n` : `${text}\n`);
  const endLine = () => {
    emit(line);
    line = '';
    carriageReturn = false;
  };
  /** Text after a carriage return: the line so far was one frame of a redrawn line. */
  const redraw = () => {
    carriageReturn = false;
    if (line.trim() !== '' && clock() - lastFrame >= redrawIntervalMs) {
      lastFrame = clock();
      emit(line);
    }
    line = '';
  };
  const text = (value: string) => {
    if (value === '') return;
    if (carriageReturn) redraw();
    line += value;
    // Output that never ends its line (dot progress, a long dump) is cut into lines of
    // MAX_LINE_CHARS, so the log shows it as it comes and the held text stays bounded.
    while (line.length >= MAX_LINE_CHARS) {
      const rest = line.slice(MAX_LINE_CHARS);
      line = line.slice(0, MAX_LINE_CHARS);
      endLine();
      line = rest;
    }
  };
  /** A control character outside of an escape sequence. */
  const control = (char: string) => {
    if (char === '\n') endLine();
    else if (char === '\r') carriageReturn = true;
    else if (char === ESC) state = 'escape';
    // Any other control character (bell, backspace, C1) is dropped.
  };

  const consume = (input: string) => {
    let i = 0;
    while (i < input.length) {
      if (state === 'text') {
        SPECIAL.lastIndex = i;
        const found = SPECIAL.exec(input);
        const end = found ? found.index : input.length;
        text(input.slice(i, end));
        if (found) control(input[end]!);
        i = end + 1;
        continue;
      }
      const char = input[i]!;
      const code = char.charCodeAt(0);
      i++;
      switch (state) {
        case 'escape':
          if (char === '[') state = 'csi';
          else if (char === ']' || char === 'P' || char === 'X' || char === '^' || char === '_') state = 'string';
          else if (code >= 0x20 && code <= 0x2f) state = 'escapeIntermediate';
          else if (code >= 0x30 && code <= 0x7e) state = 'text';
          else if (char !== ESC) {
            // Not a sequence after all: the character counts as what it is.
            state = 'text';
            i--;
          }
          break;
        case 'escapeIntermediate':
          if (code >= 0x30 && code <= 0x7e) state = 'text';
          else if (code < 0x20 || code > 0x2f) {
            state = 'text';
            i--;
          }
          break;
        case 'csi':
          // Parameters and intermediates, then one final byte.
          if (code >= 0x40 && code <= 0x7e) state = 'text';
          else if (code < 0x20 || code > 0x3f) {
            state = 'text';
            i--;
          }
          break;
        case 'string':
          // OSC, DCS, SOS, PM, APC: up to BEL or ST (ESC \); a newline ends it too, so an
          // unterminated one cannot swallow the rest of the log.
          if (char === '\x07') state = 'text';
          else if (char === ESC) state = 'stringEscape';
          else if (char === '\n') {
            state = 'text';
            i--;
          }
          break;
        case 'stringEscape':
          if (char === '\\') state = 'text';
          else {
            state = 'escape';
            i--;
          }
          break;
      }
    }
  };

  const drain = () => {
    if (out.length === 0) return;
    const text = out.join('');
    out = [];
    options.write(text);
  };

  return {
    write(chunk) {
      consume(typeof chunk === 'string' ? decoder.end() + chunk : decoder.write(chunk));
      drain();
    },
    flush() {
      consume(decoder.end());
      // An escape sequence cut off at the end is dropped with it.
      if (state !== 'text') state = 'text';
      if (line !== '') endLine();
      carriageReturn = false;
      drain();
    },
  };
}
