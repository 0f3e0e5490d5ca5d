/** Files shipped with tjs2i itself (the S2I scripts), found relative to the compiled code. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The package root: dist/src/common/package-files.js → ../../.. */
export const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const s2iScript = (name: 'assemble' | 'run' | 'usage'): string => join(packageRoot, name);
