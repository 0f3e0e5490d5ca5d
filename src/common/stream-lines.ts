/**
 * Output that comes in chunks on several streams (a container's stdout and stderr), cut into
 * complete lines. Each stream keeps its own partial line and UTF-8 decoder: the engine does not keep
 * the order of writes across a container's streams, so a line of one is never glued to the other's.
 * A partial line is kept bounded: past 64 KiB without a newline, only its last 4 KiB is kept.
 */
import { StringDecoder } from 'node:string_decoder';

const MAX_PARTIAL_CHARS = 64 * 1024;
const KEPT_PARTIAL_CHARS = 4096;

export class StreamLines {
  private readonly partials = new Map<string, string>();
  private readonly decoders = new Map<string, StringDecoder>();

  /** The lines this chunk completes (without their newline). */
  push(chunk: string | Buffer, stream = ''): string[] {
    let text: string;
    if (typeof chunk === 'string') text = chunk;
    else {
      let decoder = this.decoders.get(stream);
      if (!decoder) this.decoders.set(stream, (decoder = new StringDecoder('utf8')));
      text = decoder.write(chunk);
    }
    const lines = ((this.partials.get(stream) ?? '') + text).split('\n');
    const partial = lines.pop() ?? '';
    this.partials.set(stream, partial.length > MAX_PARTIAL_CHARS ? partial.slice(-KEPT_PARTIAL_CHARS) : partial);
    return lines;
  }

  /** The unterminated lines, one per stream that has one. */
  partialLines(): string[] {
    return [...this.partials.values()].filter((partial) => partial !== '');
  }

  /** The unterminated lines with their streams, which are then forgotten (the output has ended). */
  takePartialLines(): [stream: string, line: string][] {
    const taken = [...this.partials].filter(([, partial]) => partial !== '');
    this.partials.clear();
    return taken;
  }
}
