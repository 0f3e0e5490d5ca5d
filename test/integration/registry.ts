/**
 * A real image registry for the pull tests: Debian's `docker-registry` (distribution 2.x) on
 * 127.0.0.1 with its storage in a temporary directory. The engine treats registries on 127.0.0.0/8
 * as insecure (plain http) without any daemon configuration, so `docker push 127.0.0.1:PORT/x`
 * works as it is.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, tempDir } from './helpers.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface Registry {
  /** 127.0.0.1:PORT, to prefix image names with. */
  host: string;
  stop(): Promise<void>;
}

export async function startRegistry(): Promise<Registry> {
  const dir = await tempDir('registry');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir.path, 'config.yml');
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
      if (answer.status === 200) return { host, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`the registry on ${host} did not answer GET /v2/:\n${output}`);
}
