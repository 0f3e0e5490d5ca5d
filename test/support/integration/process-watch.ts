/**
 * Watching what runs on the machine while the CLI works: the command line of every process, and
 * the CLI run with a callback every few milliseconds until it exits (a secret must be on no
 * command line at any moment).
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { BIN, cliEnv, type Result } from './helpers.js';

/** The command line of every process on the machine (NUL separators as spaces), by pid. */
export async function commandLines(): Promise<[number, string][]> {
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
  const lines = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '')));
  return pids.map((pid, i): [number, string] => [Number(pid), (lines[i] ?? '').split('\0').join(' ').trim()]).filter(([, l]) => l !== '');
}

/** Runs the CLI and calls `watch` with its pid every `everyMs` while it runs. */
export async function runWatched(args: string[], everyMs: number, watch: (pid: number) => Promise<void>, env: NodeJS.ProcessEnv = cliEnv()): Promise<Result> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let running = true;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code, signal) => {
      running = false;
      resolve(code ?? (signal ? 128 : null));
    }),
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('the CLI did not start');
  while (running) {
    await watch(pid);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return { code: await exited, stdout, stderr };
}
