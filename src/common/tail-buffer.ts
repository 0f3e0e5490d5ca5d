/** The last lines of a process's output, for an error message (each stream's lines apart: stream-lines.ts). */
import { StreamLines } from './stream-lines.js';

export class TailBuffer {
  private lines: string[] = [];
  private readonly streams = new StreamLines();

  constructor(private readonly max: number) {}

  push(chunk: string | Buffer, stream = ''): void {
    for (const line of this.streams.push(chunk, stream)) this.add(line);
  }

  /** The last lines, including unterminated final ones. */
  get(): string[] {
    return [...this.lines, ...this.streams.partialLines()].slice(-this.max);
  }

  private add(line: string): void {
    this.lines.push(line.replace(/\r$/, ''));
    if (this.lines.length > this.max) this.lines.shift();
  }
}
