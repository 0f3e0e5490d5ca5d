/**
 * The environment git runs with. simple-git refuses an explicit environment that holds variables
 * able to run programs (EDITOR, PAGER, GIT_ASKPASS, ...); a clone needs none of them, so they are
 * left out. Prompts are off (GIT_TERMINAL_PROMPT=0) so a private repository fails at once instead
 * of waiting for a password; a user's GIT_SSH_COMMAND / GIT_SSH (keys, ports) is honoured.
 */
const PASSED_GIT_VARIABLES = ['GIT_TERMINAL_PROMPT', 'GIT_SSL_CAINFO', 'GIT_SSL_CAPATH', 'GIT_SSL_NO_VERIFY', 'GIT_SSH_COMMAND', 'GIT_SSH'];
const PROGRAM_VARIABLES = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX', 'SSH_ASKPASS']);

export interface GitEnvironment {
  env: Record<string, string>;
  allowEnvironment: string[];
  allowUnsafeSshCommand: boolean;
}

export function gitEnvironment(ambient: NodeJS.ProcessEnv = process.env): GitEnvironment {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(ambient)) {
    if (value === undefined) continue;
    const upper = key.toUpperCase();
    if (PROGRAM_VARIABLES.has(upper)) continue;
    if (upper.startsWith('GIT_') && !PASSED_GIT_VARIABLES.includes(upper)) continue;
    env[key] = value;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  const allowEnvironment = PASSED_GIT_VARIABLES.filter((k) => k in env);
  return { env, allowEnvironment, allowUnsafeSshCommand: 'GIT_SSH_COMMAND' in env || 'GIT_SSH' in env };
}
