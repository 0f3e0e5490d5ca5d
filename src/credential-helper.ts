/**
 * Docker credential helpers (`credHelpers`, `credsStore`): `docker-credential-<name> get`, found on
 * PATH, reads the server on stdin and writes `{"ServerURL","Username","Secret"}` on stdout. The
 * server goes through stdin and the answer comes back through a pipe: nothing reaches a command
 * line, a file or the log. A helper that has nothing for the server says "credentials not found"
 * and exits non-zero: that is no credentials, not an error.
 */
import { spawn } from 'node:child_process';
import { InterruptedError, UsageError } from './errors.js';
import { redactCredentials } from './redact.js';

export interface HelperCredentials {
  username: string;
  /** The password, or an identity token when username is `<token>`. */
  secret: string;
}

export interface HelperOptions {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Where the helper was named, for messages: `credsStore in /root/.docker/config.json`. */
  from: string;
}

/** What a helper may print; more is not an answer. */
const MAX_OUTPUT = 64 * 1024;

export function credentialsFromHelper(helper: string, server: string, options: HelperOptions): Promise<HelperCredentials | undefined> {
  const program = `docker-credential-${helper}`;
  const failed = (what: string) =>
    new UsageError(`the credential helper ${program} (${options.from}) ${what}`, `check it with \`echo ${server} | ${program} get\`, or remove it from that file`);
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new InterruptedError());
    const child = spawn(program, ['get'], { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], signal: options.signal });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += chunk.toString('utf8');
    });
    child.stdin.on('error', () => undefined); // a helper that exits without reading
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.name === 'AbortError') reject(new InterruptedError());
      else if (error.code === 'ENOENT') reject(new UsageError(`the credential helper ${program} (${options.from}) is not installed (not on PATH)`, 'install it, or remove it from that file'));
      else reject(failed(`could not be started (${error.code ?? error.message})`));
    });
    child.once('close', (code) => {
      if (options.signal?.aborted) return reject(new InterruptedError());
      if (code !== 0) {
        const said = (stdout.trim() || stderr.trim()).split('\n')[0] ?? '';
        if (/credentials not found/i.test(said)) return resolve(undefined);
        return reject(failed(`failed for ${server} (exit code ${code}${said ? `: ${redactCredentials(said).slice(0, 200)}` : ''})`));
      }
      let answer: unknown;
      try {
        answer = JSON.parse(stdout);
      } catch {
        return reject(failed(`gave an answer for ${server} that is not JSON`));
      }
      const { Username: username, Secret: secret } = (answer ?? {}) as { Username?: unknown; Secret?: unknown };
      if (typeof secret !== 'string' || (username !== undefined && typeof username !== 'string')) {
        return reject(failed(`gave an answer for ${server} without Username and Secret`));
      }
      resolve(secret ? { username: username ?? '', secret } : undefined);
    });
    child.stdin.end(server);
  });
}
