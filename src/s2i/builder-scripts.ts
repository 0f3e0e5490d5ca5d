/**
 * The S2I scripts a tjs2i builder carries (shipped with tjs2i at the package root) and where the
 * builder keeps them: the scripts URL label of every tjs2i builder points there.
 */
export const SCRIPTS_DIR = '/usr/libexec/s2i';

export const SCRIPT_NAMES = ['assemble', 'run', 'usage'] as const;
