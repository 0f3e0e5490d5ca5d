/**
 * A second Podman API service for the Podman pass, on the same storage as .ci/podman.sh's (so it
 * sees the same images and containers) but with a containers.conf of the test's own: e.g. Podman's
 * default rlimits, which this machine refuses to raise.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PODMAN_SOCKET } from './engines.js';
import { exec, tempDir } from './helpers.js';

export interface PodmanService {
  dockerHost: string;
  stop(): Promise<void>;
}

/** The storage and registries configuration .ci/podman.sh wrote beside its socket. */
const CONFIG_DIR = join(PODMAN_SOCKET, '..');

export async function startPodmanService(containersConf: string): Promise<PodmanService> {
  const dir = await tempDir('podman');
  const socket = join(dir.path, 'podman.sock');
  await writeFile(join(dir.path, 'containers.conf'), containersConf);
  const env = {
    ...process.env,
    CONTAINERS_CONF: join(dir.path, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: join(CONFIG_DIR, 'storage.conf'),
    CONTAINERS_REGISTRIES_CONF: join(CONFIG_DIR, 'registries.conf'),
    TMPDIR: '/var/tmp',
  };
  const service = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { env, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => service.once('exit', () => resolve()));
  service.once('error', () => undefined); // no podman: reported below, as a service that never answers
  const stop = async () => {
    service.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await dir.remove();
  };
  for (let i = 0; i < 60; i++) {
    if ((await exec('curl', ['-sf', '--max-time', '2', '--unix-socket', socket, 'http://d/_ping'])).code === 0) return { dockerHost: `unix://${socket}`, stop };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`podman system service did not answer on ${socket}`);
}
