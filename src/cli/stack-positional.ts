/** `<stack>`, the Jupyter stack `tjs2i builder` and `tjs2i template` work for. */
import type { PositionalOptions } from 'yargs';
import { STACKS } from '../builder/stacks.js';

export const stackPositionalSpec = {
  type: 'string',
  demandOption: true,
  describe: `one of ${STACKS.map((s) => s.name).join(', ')}`,
} as const satisfies PositionalOptions;
