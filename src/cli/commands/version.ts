import type { ArgumentsCamelCase } from 'yargs';
import type { GlobalOptionTypes } from '../global-options.js';
import { tjs2iVersion } from '../../common/version.js';

export const command = 'version';
export const describe = 'Print the version of tjs2i';

export function handler(args: ArgumentsCamelCase<GlobalOptionTypes>): void {
  const version = tjs2iVersion();
  process.stdout.write(args.json ? `${JSON.stringify({ ok: true, version, node: process.versions.node })}\n` : `tjs2i ${version}\n`);
}
