/**
 * A tiny S2I builder made from the Debian fixture in a few seconds (the Jupyter stand-in is ~1 GB,
 * too big to push around): numeric USER 1000 with a passwd entry, the scripts at /usr/libexec/s2i
 * (named by the scripts-url label); `assemble` copies /tmp/src to /home/app and `run` prints
 * /home/app/<RUN_FILE>. Built with `docker build -` (a Dockerfile and no context).
 */
import { spawn } from 'node:child_process';
import { DEBIAN, docker, exec, TEST_LABEL } from './helpers.js';

/** The file of the source that the output image's `run` prints. */
export const RUN_FILE = 'message.txt';

export const TINY_DOCKERFILE = [
  `FROM ${DEBIAN}`,
  'RUN set -eu; mkdir -p /usr/libexec/s2i /home/app; \\',
  `    printf '#!/bin/sh\\nset -eu\\necho "---> copying the source"\\ncp -R /tmp/src/. /home/app/\\n' > /usr/libexec/s2i/assemble; \\`,
  `    printf '#!/bin/sh\\nexec cat /home/app/${RUN_FILE}\\n' > /usr/libexec/s2i/run; \\`,
  '    chmod 755 /usr/libexec/s2i/assemble /usr/libexec/s2i/run; \\',
  "    echo 'app:x:1000:0:app:/home/app:/bin/sh' >> /etc/passwd; \\",
  '    chown 1000:0 /home/app',
  'LABEL io.openshift.s2i.scripts-url=image:///usr/libexec/s2i',
  'ENV HOME=/home/app',
  'USER 1000',
  '',
].join('\n');

/** Builds the tiny builder as `tag`. */
export async function buildTinyBuilder(tag: string): Promise<void> {
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn('docker', ['build', '-q', '--label', TEST_LABEL, '-t', tag, '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.end(TINY_DOCKERFILE);
  });
  if (result.code !== 0) throw new Error(`docker build of the tiny builder failed: ${result.stderr}`);
}

/**
 * Builds the tiny builder as `name` (a name in a registry), pushes it, and removes it locally, so
 * that the only copy is in the registry.
 */
export async function pushTinyBuilder(name: string): Promise<void> {
  await buildTinyBuilder(name);
  try {
    await docker('push', name);
  } finally {
    await exec('docker', ['rmi', name]);
  }
}
