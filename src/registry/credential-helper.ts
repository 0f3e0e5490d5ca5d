/**
 * Docker credential helpers (`credHelpers`, `credsStore`): `docker-credential-<name> get`, found on
 * PATH, reads the server on stdin and writes `{"ServerURL","Username","Secret"}` on stdout. The
 * server goes through stdin and the answer comes back through a pipe: nothing reaches a command
 * line, a file or the log. A helper that has nothing for the server says "credentials not found"
 * and exits non-zero: that is no credentials, not an error. A helper that fails is quoted in the
 * error by its stderr only: its stdout may hold the answer (with the secret) before it failed, and
 * what it says is cleared of anything that looks like a credential.
 */
import { spawn } from 'node:child_process';
import { InterruptedError, UsageError } from '../common/errors.js';
import { redactCredentials } from '../common/redact.js';

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

/** A helper that is missing or fails: names it and where it was set, never what it answered. */
export class CredentialHelperError extends UsageError {
  constructor(
    /** `docker-credential-<name>`. */
    readonly program: string,
    /** Where it was named: `credsStore in /root/.docker/config.json`. */
    readonly from: string,
    /** What went wrong: `is not installed (not on PATH)`, `failed for h (exit code 3: …)`. */
    readonly reason: string,
    hint: string,
  ) {
    super(`the credential helper ${program} (${from}) ${reason}`, hint);
  }
}

/** What a helper may print; more is not an answer. */
const MAX_OUTPUT = 64 * 1024;

export function credentialsFromHelper(helper: string, server: string, options: HelperOptions): Promise<HelperCredentials | undefined> {
  const program = `docker-credential-${helper}`;
  const failed = (what: string) =>
    new CredentialHelperError(program, options.from, what, `check it with \`echo ${server} | ${program} get\`, or remove it from that file`);
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
      else if (error.code === 'ENOENT')
        reject(new CredentialHelperError(program, options.from, 'is not installed (not on PATH)', 'install it, or remove it from that file'));
      else reject(failed(`could not be started (${error.code ?? error.message})`));
    });
    child.once('close', (code) => {
      if (options.signal?.aborted) return reject(new InterruptedError());
      if (code !== 0) {
        if (/credentials not found/i.test(`${stdout}\n${stderr}`)) return resolve(undefined);
        const said = helperWords(stderr, stdout);
        return reject(failed(`failed for ${server} (exit code ${code}${said ? `: ${said}` : ''})`));
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

/** Names of JSON fields whose values are credentials, as helpers and config files write them. */
const CREDENTIAL_FIELD = /("?)(Secret|Username|Password|auth|identitytoken|registrytoken|token)\1(\s*[:=]\s*)("(?:[^"\\]|\\.)*"|[^\s,}]+)/gi;

/**
 * What a failed helper said, fit to quote: the first line of its stderr, else of its stdout unless
 * that holds an answer (JSON). `"Secret": "…"`-like values, the values of any answer it printed and
 * URL user-info are masked; a line that still looks like JSON or mentions a secret is not quoted.
 */
export function helperWords(stderr: string, stdout = ''): string {
  const answer = answerValues(stdout);
  const fromStderr = quotable(stderr, answer);
  if (fromStderr || answer.length > 0) return fromStderr;
  return quotable(stdout, answer);
}

function quotable(text: string, secrets: readonly string[]): string {
  const line =
    text
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? '';
  const masked = redactCredentials(line.replace(CREDENTIAL_FIELD, '$1$2$1$3***'), secrets);
  if (/^[[{]|"\s*:|secret/i.test(masked.replace(CREDENTIAL_FIELD, ''))) return '';
  return masked.slice(0, 200);
}

/** The Username and Secret of whatever JSON the helper printed (whole, or a line of it). */
function answerValues(stdout: string): string[] {
  const values: string[] = [];
  for (const text of [stdout, ...stdout.split('\n')]) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null) continue;
    for (const key of ['Secret', 'Username']) {
      const value = (parsed as Record<string, unknown>)[key];
      if (typeof value === 'string' && value) values.push(value);
    }
  }
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}
