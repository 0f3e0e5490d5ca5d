/**
 * A real image registry for the pull and push tests: Debian's `docker-registry` (distribution 2.x)
 * on 127.0.0.1 with its storage in a temporary directory. The engine treats registries on
 * 127.0.0.0/8 as insecure (plain http) without any daemon configuration, so `docker push
 * 127.0.0.1:PORT/x` works as it is. With `auth`, it requires HTTP basic auth (an htpasswd file:
 * distribution reads bcrypt only, made by `htpasswd -B` from Debian's apache2-utils, the password
 * given on its stdin).
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ON_PODMAN } from './engines.js';
import { freePort, tempDir } from './helpers.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';
export const HTPASSWD_BIN = 'htpasswd';

export interface Registry {
  /** 127.0.0.1:PORT, to prefix image names with. */
  host: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Require HTTP basic auth with this user and password. */
  auth?: { user: string; password: string };
}

/** An htpasswd line (bcrypt) for the user; the password goes through stdin, not the command line. */
async function htpasswdLine(user: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(HTPASSWD_BIN, ['-niB', user], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => reject(new Error(`${HTPASSWD_BIN} (Debian's apache2-utils; .ci/engine.sh installs it) could not run: ${error.message}`)));
    child.once('close', (code) =>
      code === 0 && stdout.startsWith(`${user}:$2`) ? resolve(stdout.trim()) : reject(new Error(`htpasswd failed (${code}): ${stderr}`)),
    );
    child.stdin.end(`${password}\n`);
  });
}

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const dir = await tempDir('registry');
  // Podman trusts a plain-http registry only where its registries.conf says so (.ci/podman.sh): that port.
  const port = ON_PODMAN ? Number(process.env.TJS2I_TEST_REGISTRY_PORT ?? 5099) : await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir.path, 'config.yml');
  const auth: string[] = [];
  if (options.auth) {
    const htpasswd = join(dir.path, 'htpasswd');
    await writeFile(htpasswd, `${await htpasswdLine(options.auth.user, options.auth.password)}\n`);
    auth.push('auth:', '  htpasswd:', '    realm: tjs2i-test', `    path: ${htpasswd}`);
  }
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir.path, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      ...auth,
      '',
    ].join('\n'),
  );
  const child = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));
  child.once('error', (error) => (output += `\n${String(error)}`));

  const stop = async () => {
    if (running) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (running) child.kill('SIGKILL');
    }
    await dir.remove();
  };

  for (let i = 0; i < 100; i++) {
    if (!running) break;
    try {
      const answer = await fetch(`http://${host}/v2/`);
      // With auth, the registry answers 401 (and says how to authenticate) once it listens.
      if (answer.status === 200 || (options.auth && answer.status === 401)) return { host, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`the registry on ${host} did not answer GET /v2/:\n${output}`);
}
