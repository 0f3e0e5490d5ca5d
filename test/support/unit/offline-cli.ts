/** The real CLI, run with no engine to reach: for the commands that need none (template, builder --as-dockerfile). */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'tjs2i');

/** `env` adds to (or overrides) the environment, e.g. a DOCKER_HOST a test serves itself. */
export function offlineTjs2i(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock', TJS2I_TIMESTAMPS: '0', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    ),
  );
}
