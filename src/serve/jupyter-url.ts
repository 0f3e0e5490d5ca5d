/**
 * Finding the server's URL (its path prefix and its token) in Jupyter's log. Jupyter prints the URL
 * it serves when it starts, e.g. `http://0a1b2c3d:8888/?token=4f…` (notebook 6) or
 * `http://127.0.0.1:8888/lab?token=4f…` (jupyter_server 2); with a password, without the token.
 * The host in it is the container's: what a user opens is the published port on 127.0.0.1.
 */
import { JUPYTER_PORT } from '../s2i/jupyter-port.js';
import { StreamLines } from '../common/stream-lines.js';

export interface ServerUrl {
  /** The path the server printed, e.g. `/`, `/lab`, `/prefix/tree`. */
  path: string;
  token?: string;
}

/** URLs of the server inside the container (on JUPYTER_PORT): their scheme, path and query. */
const URL_PATTERN = new RegExp(`\\b(https?)://([^\\s/?#'"<>]+):${JUPYTER_PORT}(?![0-9])(/[^\\s?#'"<>]*)?(\\?[^\\s#'"<>]*)?`, 'g');
const TOKEN = /^[A-Za-z0-9_-]+$/;

/** The server URLs in a piece of log text, in order. A masked token (`?token=...`) is no token. */
export function findServerUrls(text: string): ServerUrl[] {
  const found: ServerUrl[] = [];
  for (const match of text.matchAll(URL_PATTERN)) {
    const path = match[3] || '/';
    const token = new URLSearchParams(match[4] ?? '').get('token') ?? undefined;
    found.push(token !== undefined && TOKEN.test(token) ? { path, token } : { path });
  }
  return found;
}

/** The names a server in a container calls itself by, besides the container's host name. */
const CONTAINER_LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '0.0.0.0', '[::]', '[::1]']);

/**
 * The text with each URL of the server in the container pointed at the address that answers on the
 * host: `http://<container or 127.0.0.1>:8888/p?q` becomes `http://127.0.0.1:<port>/p?q`. Only the
 * container's own names are rewritten (`containerHost`, its host name, and the local addresses):
 * another machine's port 8888 in a log line is left as it is.
 */
export function hostUrlsIn(text: string, port: number, host = '127.0.0.1', containerHost?: string): string {
  return text.replace(URL_PATTERN, (url, scheme: string, name: string, path: string | undefined, query: string | undefined) =>
    CONTAINER_LOCAL_HOSTS.has(name) || name === containerHost ? `${scheme}://${host}:${port}${path ?? ''}${query ?? ''}` : url,
  );
}

/** Watches a log as it streams in: the first URL with a token, else the first URL. */
export class ServerUrlScanner {
  /** Each stream's (stdout, stderr) lines apart. */
  private readonly streams = new StreamLines();
  private best: ServerUrl | undefined;

  push(chunk: string | Buffer, stream = ''): void {
    for (const line of this.streams.push(chunk, stream)) {
      if (this.best?.token !== undefined) return;
      for (const url of findServerUrls(line)) {
        if (url.token !== undefined) {
          this.best = url;
          break;
        }
        this.best ??= url;
      }
    }
  }

  get url(): ServerUrl | undefined {
    return this.best;
  }
}

/** The path prefix the server is under (its base URL): the printed path up to its last `/`. */
export function basePath(url: ServerUrl | undefined): string {
  return (url?.path ?? '/').replace(/[^/]*$/, '') || '/';
}

/** What a user opens: the published port on 127.0.0.1, the server's path and its token. */
export function browserUrl(port: number, url: ServerUrl | undefined, host = '127.0.0.1'): string {
  const path = url?.path ?? '/';
  return `http://${host}:${port}${path}${url?.token !== undefined ? `?token=${url.token}` : ''}`;
}

/** Where readiness is probed: `<base>api`, which answers 200 without credentials once the server runs. */
export function apiUrl(port: number, url: ServerUrl | undefined, host = '127.0.0.1'): string {
  return `http://${host}:${port}${basePath(url)}api`;
}

/**
 * The base URL the image's `run` gives Jupyter, from the variables it reads (JUPYTER_BASE_URL, else
 * JUPYTERHUB_SERVICE_PREFIX), as `/prefix/`; `/` without them. The printed URL cannot be trusted for
 * this: jupyter_server 2 prints its default URL (such as /lab/tree/work) after the base.
 */
export function baseUrlOf(env: readonly { name: string; value: string }[]): string {
  const value = env.find((v) => v.name === 'JUPYTER_BASE_URL')?.value || env.find((v) => v.name === 'JUPYTERHUB_SERVICE_PREFIX')?.value || '/';
  const trimmed = value.replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}/` : '/';
}

/** The readiness probes to try: the configured base first, then the one the printed URL suggests. */
export function apiUrls(port: number, env: readonly { name: string; value: string }[], url: ServerUrl | undefined, host = '127.0.0.1'): string[] {
  return [...new Set([`http://${host}:${port}${baseUrlOf(env)}api`, apiUrl(port, url, host)])];
}
