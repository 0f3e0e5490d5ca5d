/** Running an image as a user would, and talking to Jupyter over HTTP as a browser would. */
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
  options: { user?: string; password?: string; args?: string[]; basePath?: string } = {},
): Promise<RunningJupyter> {
  const args = ['run', '-d', '--label', TEST_LABEL, '-p', '127.0.0.1::8888'];
  if (options.user) args.push('--user', options.user);
  if (options.password !== undefined) args.push('-e', 'PASSWORD');
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
    return res.status === 302 && [...this.cookies.keys()].some((k) => k.startsWith('username-'));
  }

  async listWork(): Promise<string[]> {
    const res = await this.request('GET', '/api/contents/work');
    if (res.status !== 200) throw new Error(`GET /api/contents/work answered ${res.status}`);
    const json = (await res.json()) as { content: { name: string }[] };
    return json.content.map((c) => c.name).sort();
  }
}

export const emptyNotebook = {
  type: 'notebook',
  content: { cells: [{ cell_type: 'markdown', metadata: {}, source: '# saved by a student', id: 'c1' }], metadata: {}, nbformat: 4, nbformat_minor: 5 },
};
