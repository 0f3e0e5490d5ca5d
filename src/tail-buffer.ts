/**
 * The last lines of a process's output, for an error message. Each stream (stdout, stderr) keeps
 * its own partial line: the engine does not keep the order of writes across a container's streams.
 */
export class TailBuffer {
  private lines: string[] = [];
  private readonly partials = new Map<string, string>();

  constructor(private readonly max: number) {}

  push(chunk: string | Buffer, stream = ''): void {
    const parts = ((this.partials.get(stream) ?? '') + chunk.toString()).split('\n');
    this.partials.set(stream, parts.pop() ?? '');
    for (const line of parts) this.add(line);
  }

  /** The last lines, including unterminated final ones. */
  get(): string[] {
    const partials = [...this.partials.values()].filter((partial) => partial !== '');
    return [...this.lines, ...partials].slice(-this.max);
  }

  private add(line: string): void {
    this.lines.push(line.replace(/\r$/, ''));
    if (this.lines.length > this.max) this.lines.shift();
  }
}
