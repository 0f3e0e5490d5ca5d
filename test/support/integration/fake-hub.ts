/**
 * A stand-in for the JupyterHub API calls a single-user server makes at start
 * (test/fixtures/jupyterhub/fake_hub_api.py, served by the stand-in's own Python), on a network of
 * its own, for the run script's hub-mode tests that need no real hub. Its tokens are in that file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { docker, ROOT, TEST_LABEL, uniqueName } from './helpers.js';

export interface FakeHub {
  /** The Docker network the hub and the servers under test share. */
  network: string;
  /** JUPYTERHUB_API_URL as a server on that network reaches the hub. */
  apiUrl: string;
  remove(): Promise<void>;
}

/** Starts the fake hub from IMAGE (any image with Python 3) and waits until it answers. */
export async function startFakeHub(image: string): Promise<FakeHub> {
  const network = uniqueName('fakehub');
  await docker('network', 'create', '--label', TEST_LABEL, network);
  // Given as text, not mounted: a checkout made under umask 077 has files the hub's user cannot read.
  const script = await readFile(join(ROOT, 'test', 'fixtures', 'jupyterhub', 'fake_hub_api.py'), 'utf8');
  const remove = async () => {
    await docker('rm', '-f', network).catch(() => undefined);
    await docker('network', 'rm', network).catch(() => undefined);
  };
  try {
    await docker(
      ...['run', '-d', '--name', network, '--label', TEST_LABEL, '--network', network, '--user', '65534:65534'],
      ...['--entrypoint', 'python3', image, '-c', script],
    );
    // Asked from a container on the network, as the servers will ask it.
    await docker(
      ...['run', '--rm', '--label', TEST_LABEL, '--network', network, '--entrypoint', 'python3', image, '-c'],
      [
        'import time, urllib.request',
        'for _ in range(100):',
        '    try:',
        `        urllib.request.urlopen("http://${network}:8081/hub/api/", timeout=1); break`,
        '    except OSError: time.sleep(0.2)',
        'else: raise SystemExit("the fake hub did not answer")',
      ].join('\n'),
    );
  } catch (error) {
    await remove();
    throw error;
  }
  return { network, apiUrl: `http://${network}:8081/hub/api`, remove };
}
