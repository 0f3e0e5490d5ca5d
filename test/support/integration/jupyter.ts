/** Running an image as a user would, and talking to Jupyter over HTTP as a browser would. */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { docker, exec, TEST_LABEL } from './helpers.js';

export interface RunningJupyter {
  id: string;
  port: number;
  base: string;
  logs(): Promise<string>;
  exec(script: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * `docker run -d` with port 8888 published on a free loopback port. The password is handed to
 * docker through its environment (`-e PASSWORD`), never on a command line.
 */
export async function runJupyter(
  image: string,
  options: {
    user?: string;
    password?: string;
    args?: string[];
    basePath?: string;
    /** Variables for the container (`-e NAME=VALUE`); not for secrets. */
    env?: Record<string, string>;
    /** `--mount` values, e.g. `type=volume,src=V,dst=/home/jovyan/work,volume-nocopy`. */
    mounts?: string[];
    /** `-v` values, e.g. `V:/home/jovyan/work:nocopy` (the form both Docker and Podman read nocopy from). */
    volumes?: string[];
    /** A Docker network to attach the container to (beside the default port mapping). */
    network?: string;
  } = {},
): Promise<RunningJupyter> {
  const args = ['run', '-d', '--label', TEST_LABEL, '-p', '127.0.0.1::8888'];
  if (options.user) args.push('--user', options.user);
  if (options.password !== undefined) args.push('-e', 'PASSWORD');
  for (const [name, value] of Object.entries(options.env ?? {})) args.push('-e', `${name}=${value}`);
  for (const mount of options.mounts ?? []) args.push('--mount', mount);
  for (const volume of options.volumes ?? []) args.push('-v', volume);
  if (options.network) args.push('--network', options.network);
  args.push(image, ...(options.args ?? []));
  const result = await exec('docker', args, { env: { ...process.env, PASSWORD: options.password ?? '' } });
  if (result.code !== 0) throw new Error(`docker run failed: ${result.stderr}`);
  const id = result.stdout.trim();
  const mapping = await docker('port', id, '8888/tcp');
  const port = Number(mapping.split('\n')[0]?.split(':').pop());
  const running: RunningJupyter = {
    id,
    port,
    base: `http://127.0.0.1:${port}${options.basePath ?? ''}`,
    logs: async () => {
      const r = await exec('docker', ['logs', id]);
      return r.stdout + r.stderr;
    },
    exec: (script) => docker('exec', id, 'bash', '-c', script),
    stop: async () => void (await exec('docker', ['rm', '-f', id])),
  };
  return running;
}

/** Waits until Jupyter answers on /api; throws with the container's log if it dies first. */
export async function waitForJupyter(jupyter: RunningJupyter, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${jupyter.base}/api`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    const state = await docker('inspect', '--format', '{{.State.Running}}', jupyter.id);
    if (state !== 'true') throw new Error(`container exited before Jupyter answered:\n${await jupyter.logs()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`Jupyter did not answer within ${timeoutMs} ms:\n${await jupyter.logs()}`);
}

/** A browser-like session: cookies and the _xsrf token. */
export class JupyterClient {
  private cookies = new Map<string, string>();
  /** The Set-Cookie lines of the last login's answer, attributes and all (Secure, HttpOnly, Path). */
  loginSetCookies: string[] = [];

  constructor(
    private readonly base: string,
    private readonly token?: string,
  ) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(res: Response): void {
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  async request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { cookie: this.cookieHeader() };
    const xsrf = this.cookies.get('_xsrf');
    if (xsrf) headers['X-XSRFToken'] = xsrf;
    if (this.token) headers.authorization = `token ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    this.remember(res);
    return res;
  }

  /** Logs in through the login form; true when Jupyter accepted the password. */
  async login(password: string): Promise<boolean> {
    await this.request('GET', '/login');
    const xsrf = this.cookies.get('_xsrf') ?? '';
    const res = await fetch(`${this.base}/login`, {
      method: 'POST',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ password, _xsrf: xsrf }).toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    this.remember(res);
    this.loginSetCookies = res.headers.getSetCookie();
    return res.status === 302 && [...this.cookies.keys()].some((k) => k.startsWith('username-'));
  }

  /** The headers a browser would send: cookies, the token. */
  private authHeaders(): Record<string, string> {
    const headers: Record<string, string> = { cookie: this.cookieHeader() };
    if (this.token) headers.authorization = `token ${this.token}`;
    return headers;
  }

  /** Starts a kernel through the API (POST /api/kernels) and returns its id. */
  async startKernel(name = 'python3'): Promise<string> {
    const res = await this.request('POST', '/api/kernels', { name });
    if (res.status !== 201) throw new Error(`POST /api/kernels answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }

  /**
   * Runs code in a kernel over its websocket (/api/kernels/<id>/channels), as a notebook front end
   * does: sends an execute_request and collects stream output, results and errors until both the
   * execute_reply and the kernel's return to idle have arrived.
   */
  execute(kernelId: string, code: string, timeoutMs = 60_000): Promise<ExecuteResult> {
    const session = randomUUID();
    const msgId = randomUUID();
    const url = `${this.base.replace(/^http/, 'ws')}/api/kernels/${kernelId}/channels?session_id=${session}`;
    const socket = new WebSocket(url, { headers: this.authHeaders() });
    const result: ExecuteResult = { stdout: '', stderr: '', results: [], status: 'unknown' };
    return new Promise<ExecuteResult>((resolve, reject) => {
      let replied = false;
      let idle = false;
      const timer = setTimeout(() => finish(new Error(`no execute_reply within ${timeoutMs} ms; so far: ${JSON.stringify(result)}`)), timeoutMs);
      const finish = (error?: Error) => {
        clearTimeout(timer);
        socket.close();
        if (error) reject(error);
        else resolve(result);
      };
      socket.on('error', (error) => finish(error));
      socket.on('unexpected-response', (_req, res) => finish(new Error(`kernel websocket refused: HTTP ${res.statusCode}`)));
      socket.on('open', () => {
        socket.send(
          JSON.stringify({
            header: { msg_id: msgId, username: 'test', session, msg_type: 'execute_request', version: '5.3', date: new Date().toISOString() },
            parent_header: {},
            metadata: {},
            content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
            channel: 'shell',
            buffers: [],
          }),
        );
      });
      socket.on('message', (data: WebSocket.RawData) => {
        const msg = JSON.parse(data.toString()) as KernelMessage;
        if (msg.parent_header?.msg_id !== msgId) return;
        const content = msg.content;
        switch (msg.header.msg_type) {
          case 'stream':
            if (content.name === 'stderr') result.stderr += String(content.text ?? '');
            else result.stdout += String(content.text ?? '');
            break;
          case 'execute_result':
          case 'display_data':
            result.results.push(String((content.data as Record<string, unknown> | undefined)?.['text/plain'] ?? ''));
            break;
          case 'error':
            result.error = { ename: String(content.ename), evalue: String(content.evalue) };
            break;
          case 'execute_reply':
            result.status = String(content.status);
            replied = true;
            break;
          case 'status':
            if (content.execution_state === 'idle') idle = true;
            break;
        }
        if (replied && idle) finish();
      });
    });
  }

  async listWork(): Promise<string[]> {
    const res = await this.request('GET', '/api/contents/work');
    if (res.status !== 200) throw new Error(`GET /api/contents/work answered ${res.status}`);
    const json = (await res.json()) as { content: { name: string }[] };
    return json.content.map((c) => c.name).sort();
  }
}

interface KernelMessage {
  header: { msg_type: string };
  parent_header?: { msg_id?: string };
  content: Record<string, unknown>;
}

export interface ExecuteResult {
  stdout: string;
  stderr: string;
  /** text/plain of execute_result and display_data messages. */
  results: string[];
  error?: { ename: string; evalue: string };
  /** execute_reply's status: ok, error, aborted. */
  status: string;
}

/** The login token from the container's log (Jupyter prints the URL with it). */
export async function tokenOf(jupyter: RunningJupyter): Promise<string> {
  // The line may reach the engine's log a little after the server answers: wait for it a while.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const logs = await jupyter.logs();
    const token = /\?token=([0-9a-f]+)/.exec(logs)?.[1];
    if (token) return token;
    if (Date.now() > deadline) throw new Error(`no login URL with a token in:\n${logs}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export const emptyNotebook = {
  type: 'notebook',
  content: { cells: [{ cell_type: 'markdown', metadata: {}, source: '# saved by a student', id: 'c1' }], metadata: {}, nbformat: 4, nbformat_minor: 5 },
};
