import type { ArgumentsCamelCase } from 'yargs';
import type { GlobalOptions } from '../run-command.js';
import { tjs2iVersion } from '../../common/version.js';

export const command = 'version';
export const describe = 'Print the version of tjs2i';

export function handler(args: ArgumentsCamelCase<GlobalOptions>): void {
  const version = tjs2iVersion();
  process.stdout.write(args.json ? `${JSON.stringify({ ok: true, version, node: process.versions.node })}\n` : `tjs2i ${version}\n`);
}
