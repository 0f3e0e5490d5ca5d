/**
 * A private git server over HTTP for the tests: a node `http` server on 127.0.0.1 that requires
 * Basic authentication and runs `git http-backend` as a CGI program for every authorised request.
 * It records each request (and whether its credentials were right), so a test can tell that a
 * clone really authenticated; `delayMs` holds every response back, so a clone lasts long enough
 * to look at the processes it runs.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { git, writeFiles } from './git-server.js';
import { tempDir } from './helpers.js';

export interface HttpGitRequest {
  method: string;
  path: string;
  /** The user name given, if any. */
  user?: string;
  authorized: boolean;
}

export interface HttpGitServer {
  port: number;
  /** The URL of a repository, with `user:token@` when credentials are given. */
  url(repo: string, credentials?: { user: string; token: string }): string;
  /** A bare repository `name` holding one commit of these files. */
  createRepo(name: string, files: Record<string, string | Buffer>): Promise<void>;
  readonly requests: HttpGitRequest[];
  stop(): Promise<void>;
}

export interface HttpGitServerOptions {
  user: string;
  token: string;
  /** Delay before answering each request, in milliseconds. */
  delayMs?: number;
}

export async function startHttpGitServer(options: HttpGitServerOptions): Promise<HttpGitServer> {
  const root = await tempDir('http-git');
  const projects = join(root.path, 'srv');
  await mkdir(projects);
  const requests: HttpGitRequest[] = [];
  const expected = `Basic ${Buffer.from(`${options.user}:${options.token}`).toString('base64')}`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const auth = req.headers.authorization;
    const user = auth?.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':')[0] : undefined;
    const authorized = auth === expected;
    requests.push({ method: req.method ?? 'GET', path: url.pathname, ...(user !== undefined ? { user } : {}), authorized });
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    if (!authorized) {
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="course"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    runBackend(req, res, url, projects, options.user);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    requests,
    url: (repo, credentials) =>
      `http://${credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.token)}@` : ''}127.0.0.1:${port}/${repo}`,
    async createRepo(name, files) {
      const work = join(root.path, 'work', name);
      await mkdir(work, { recursive: true });
      await git(work, 'init', '-q', '-b', 'main');
      await writeFiles(work, files);
      await git(work, 'add', '-A');
      await git(work, 'commit', '-q', '-m', 'Private course content');
      await git(root.path, 'clone', '-q', '--bare', work, join(projects, name));
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await root.remove();
    },
  };
}

/** Runs `git http-backend` as CGI: the request body on its stdin, CGI headers then body on its stdout. */
function runBackend(req: IncomingMessage, res: ServerResponse, url: URL, projects: string, user: string): void {
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(', ') : (value ?? '');
  };
  const backend = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: projects,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ''),
      CONTENT_TYPE: header('content-type'),
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: header('content-length') } : {}),
      HTTP_CONTENT_ENCODING: header('content-encoding'),
      GIT_PROTOCOL: header('git-protocol'),
      REMOTE_USER: user,
      REMOTE_ADDR: '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  req.pipe(backend.stdin);
  backend.stdin.on('error', () => undefined);

  let head = Buffer.alloc(0);
  let headersDone = false;
  backend.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      if (!res.write(chunk)) {
        backend.stdout.pause();
        res.once('drain', () => backend.stdout.resume());
      }
      return;
    }
    head = Buffer.concat([head, chunk]);
    const text = head.toString('latin1');
    const crlf = text.indexOf('\r\n\r\n');
    const lf = text.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of text.slice(0, end).split(/\r?\n/).filter(Boolean)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    const rest = head.subarray(end);
    if (rest.length) res.write(rest);
  });
  backend.stdout.on('end', () => {
    if (!headersDone) res.writeHead(502);
    res.end();
  });
  backend.on('error', (error) => {
    if (!res.headersSent) res.writeHead(500);
    res.end(String(error));
  });
}
