/**
 * The engine under test behind an HTTP proxy that can change a request or answer it itself, to
 * see what tjs2i does when an engine does not do what it was asked (the TCP and TLS proxies of
 * engine-proxy.ts pipe bytes and cannot). It listens on a unix socket in a temporary directory and
 * forwards every request to the engine that DOCKER_HOST names (unix:// or plain tcp://), else
 * /var/run/docker.sock, like engine-recorder.ts, so that it works on Podman as well. Bodies are
 * streamed both ways (an upload or an export can be gigabytes); a hijacked connection (an attach
 * with `Upgrade: tcp`) is piped raw once the engine has answered 101. It records the containers
 * clients asked to create, so leftovers are known.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { engineAddress } from './engines.js';
import { tempDir } from './helpers.js';

/** What a rewrite does with one request: forward it (with another path or body), or it has answered it itself. */
export type RewriteAction = { path?: string; body?: Buffer } | 'answered' | undefined;

/** Looks at each request (not upgrades): undefined forwards it unchanged. */
export type Rewrite = (request: IncomingMessage, response: ServerResponse) => RewriteAction;

export interface HttpEngineProxy {
  /** DOCKER_HOST for the client: unix://<socket>. */
  dockerHost: string;
  /** Names of the containers clients asked to create, in order. */
  readonly created: string[];
  /** Every request, as `METHOD path` (the path as received, upgrades included). */
  readonly requests: string[];
  /** Requests a rewrite changed or answered, as `METHOD path` (the path as received). */
  readonly rewritten: string[];
  /** The engine's answers to the requests a rewrite changed (status and body, its first 64 KiB), in order. */
  readonly answers: { request: string; status: number; body: string }[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection']);

function responseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

/** The request line and headers of an HTTP message, as raw bytes for a hijacked socket. */
function rawHead(first: string, rawHeaders: string[]): string {
  const lines = [first];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The path without its API version prefix and query: `/v1.41/commit?x=1` → `/commit`. */
export function apiPath(url: string | undefined): string {
  return (url ?? '/').replace(/\?.*$/, '').replace(/^\/v[\d.]+(?=\/)/, '');
}

/**
 * A commit whose configuration the engine does not get, as Podman < 4.8 ignored it: the body becomes
 * `{}` (not empty: Podman 4.3 answers 500 to an empty body) and the `changes` query parameter goes.
 */
export const dropCommitConfig: Rewrite = (request) => {
  if (request.method !== 'POST' || apiPath(request.url) !== '/commit') return undefined;
  const url = new URL(request.url ?? '/', 'http://engine');
  url.searchParams.delete('changes');
  return { path: `${url.pathname}${url.search}`, body: Buffer.from('{}') };
};

/**
 * A load the engine answers for another image: the upload is read to its end and dropped, and the
 * answer is Docker's for an untagged image, naming `id` (64 hex digits, `sha256:` optional).
 */
export function answerLoadFor(id: string = '0'.repeat(64)): Rewrite {
  const named = id.startsWith('sha256:') ? id : `sha256:${id}`;
  return (request, response) => {
    if (request.method !== 'POST' || apiPath(request.url) !== '/images/load') return undefined;
    request.on('end', () => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(`${JSON.stringify({ stream: `Loaded image ID: ${named}\n` })}\n`);
    });
    request.resume();
    return 'answered';
  };
}

export async function startHttpEngineProxy(rewrite: Rewrite = () => undefined): Promise<HttpEngineProxy> {
  const dir = await tempDir('engine-http');
  const socketPath = join(dir.path, 'docker.sock');
  const target = engineAddress();
  const created: string[] = [];
  const rewritten: string[] = [];
  const requests: string[] = [];
  const answers: HttpEngineProxy['answers'] = [];
  const sockets = new Set<Socket | Duplex>();

  const record = (request: IncomingMessage) => {
    requests.push(`${request.method} ${request.url}`);
    if (request.method !== 'POST' || apiPath(request.url) !== '/containers/create') return;
    const name = new URL(request.url ?? '/', 'http://engine').searchParams.get('name');
    if (name && !created.includes(name)) created.push(name);
  };

  const server = createServer((request, response) => {
    record(request);
    let action: RewriteAction;
    try {
      action = rewrite(request, response);
    } catch (error) {
      response.writeHead(500, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ message: `engine proxy: ${String(error)}` }));
      return;
    }
    if (action) rewritten.push(`${request.method} ${request.url}`);
    if (action === 'answered') return;
    const headers: IncomingHttpHeaders = { ...request.headers };
    if (action?.body) {
      delete headers['transfer-encoding'];
      headers['content-length'] = String(action.body.length);
    }
    const forwarded = httpRequest({ ...target, agent: false, method: request.method, path: action?.path ?? request.url, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.statusMessage, responseHeaders(answer.headers));
      // Sent now, not with the first body bytes: Podman answers an attach at once and sends nothing
      // until the container starts, which the client does only once it has the answer.
      response.flushHeaders();
      if (action) {
        const seen = { request: `${request.method} ${request.url}`, status: answer.statusCode ?? 0, body: '' };
        answers.push(seen);
        answer.on('data', (chunk: Buffer) => {
          if (seen.body.length < 65_536) seen.body += chunk.toString('utf8');
        });
      }
      answer.pipe(response);
      answer.on('error', () => response.destroy());
    });
    forwarded.on('error', (error) => {
      if (!response.headersSent) {
        response.writeHead(502, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ message: `engine proxy: ${error.message}` }));
      } else response.destroy();
    });
    // The client went away (an interrupted build): so does the engine's request.
    response.on('close', () => {
      if (!response.writableFinished) forwarded.destroy();
    });
    if (action?.body) {
      request.resume();
      forwarded.end(action.body);
    } else request.pipe(forwarded);
  });

  // A hijacked connection (attach with `Upgrade: tcp`): forward the request, then pipe raw bytes.
  server.on('upgrade', (request: IncomingMessage, client: Duplex, head: Buffer) => {
    record(request);
    sockets.add(client);
    const forwarded = httpRequest({ ...target, agent: false, method: request.method, path: request.url, headers: request.headers });
    const fail = () => {
      client.destroy();
      forwarded.destroy();
    };
    client.on('error', fail).on('close', () => sockets.delete(client));
    forwarded.on('error', fail);
    forwarded.on('upgrade', (answer: IncomingMessage, engine: Socket, engineHead: Buffer) => {
      sockets.add(engine);
      engine.on('error', fail).on('close', () => {
        sockets.delete(engine);
        client.end();
      });
      client.write(rawHead(`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`, answer.rawHeaders));
      if (engineHead.length) client.write(engineHead);
      if (head.length) engine.write(head);
      engine.pipe(client);
      client.pipe(engine);
    });
    // The engine answered without upgrading (an error, or an engine that streams the output as a body).
    forwarded.on('response', (answer) => {
      // Node has decoded a chunked body: it goes raw, ended by closing the connection.
      const kept = answer.rawHeaders.flatMap((value, i, all) => (i % 2 === 0 && !HOP_BY_HOP.has(value.toLowerCase()) ? [value, all[i + 1] ?? ''] : []));
      client.write(rawHead(`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`, [...kept, 'Connection', 'close']));
      answer.pipe(client);
    });
    forwarded.end();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    dockerHost: `unix://${socketPath}`,
    created,
    requests,
    rewritten,
    answers,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dir.remove();
    },
  };
}
