/** The machine a benchmark ran on, as one Markdown line for docs/performance.md. */
import { readFile } from 'node:fs/promises';
import { cpus, release, totalmem } from 'node:os';
import { formatBytes } from '../src/common/log.js';
import { run } from './processes.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryBytes: number;
  kernel: string;
  docker: string;
  storageDriver: string;
  node: string;
}

export async function describeMachine(): Promise<Machine> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown CPU';
  const info = await run('docker', ['info', '--format', '{{.ServerVersion}}|{{.Driver}}']);
  const [docker = 'unknown', storageDriver = 'unknown'] = info.code === 0 ? info.stdout.trim().split('|') : [];
  return { cpu: model, cores: cpus().length, memoryBytes: totalmem(), kernel: release(), docker, storageDriver, node: process.version };
}

export function formatMachine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${formatBytes(m.memoryBytes)} RAM; Linux ${m.kernel}; Docker ${m.docker} (${m.storageDriver}); Node ${m.node}`;
}
