/**
 * Jupyter's log as a user of `tjs2i run` reads it. Jupyter prints the URLs it serves as seen from
 * inside the container (`http://<container>:8888/…`, `http://127.0.0.1:8888/…`), which do not answer
 * on the host: each is pointed at the published address instead, and a line that would then repeat
 * the URL of the line before it is left out. So are the "open this file in a browser" hint, whose
 * file is inside the container, and the note that any address of the machine will work (only the
 * published one does). The published port is known only once the container has started: lines that
 * come before it wait for it (a moment; Jupyter prints its URLs seconds later).
 */
import { StreamLines } from '../common/stream-lines.js';
import { hostUrlsIn } from './jupyter-url.js';

/** Jupyter's hint that names its redirect file, and the file's URL on the line after it. */
const OPEN_FILE_HINT = /^\s*(\[[A-Z] [^\]]*\]\s*)?To access the (server|notebook), open this file in a browser:?\s*$/;
const OPEN_FILE_URL = /^\s*file:\S*-open\.html\s*$/;
/** What follows the hint in Jupyter's banner, which then starts the sentence. */
const OR_COPY = /^(\s*)Or copy and paste one of these URLs:/;
const ALL_INTERFACES = /^\s*The server is listening on all interfaces, so any hostname or IP of this machine will work\.?\s*$/;
/** A log line's level-and-time prefix, e.g. `[I 2026-12-06 15:02:12.438 ServerApp] `. */
const LOG_PREFIX = /^\[[A-Z] [^\]]*\]/;
const URL = /\bhttps?:\/\/\S+/g;

type Write = (line: string, stream: string) => void;

export class HostUrlLog {
  private readonly lines = new StreamLines();
  private readonly held: [string, string][] = [];
  private port: number | undefined;
  private containerHost: string | undefined;
  /** The URL the line shown last ended with, if any. */
  private lastUrl: string | undefined;
  private ended = false;

  constructor(
    /** Receives each line, with its newline. */
    private readonly write: Write,
    private readonly host = '127.0.0.1',
  ) {}

  push(chunk: string | Buffer, stream = ''): void {
    for (const line of this.lines.push(chunk, stream)) {
      if (this.port === undefined && !this.ended) this.held.push([line, stream]);
      else this.show(line, stream);
    }
  }

  /** The port Jupyter's port is published on, and the container's host name: the lines held so far are shown. */
  publishedOn(port: number, containerHost?: string): void {
    this.port = port;
    this.containerHost = containerHost;
    this.release();
  }

  /**
   * The run is over: what is held is shown as it is (no port was ever known), then any unterminated
   * line; lines that still come are shown at once.
   */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.release();
    for (const [stream, partial] of this.lines.takePartialLines()) this.show(partial, stream);
  }

  private release(): void {
    for (const [line, stream] of this.held.splice(0)) this.show(line, stream);
  }

  private show(raw: string, stream: string): void {
    if (OPEN_FILE_HINT.test(raw) || OPEN_FILE_URL.test(raw) || ALL_INTERFACES.test(raw)) return;
    const line = (this.port === undefined ? raw : hostUrlsIn(raw, this.port, this.host, this.containerHost)).replace(
      OR_COPY,
      '$1Copy and paste one of these URLs:',
    );
    const urls = line.match(URL) ?? [];
    const alone = line
      .replace(LOG_PREFIX, '')
      .trim()
      .replace(/^or\s+/, '');
    const repeat = urls.length === 1 && alone === urls[0] && urls[0] === this.lastUrl;
    this.lastUrl = urls.at(-1);
    if (!repeat) this.write(`${line}\n`, stream);
  }
}
