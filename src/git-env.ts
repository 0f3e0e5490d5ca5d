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
  allowUnsafeConfigEnvCount: boolean;
}

export interface SplitUrl {
  /** The URL git is given: without credentials, so they never appear on a command line. */
  url: string;
  /** An HTTP Authorization header carrying them, passed to git through its environment. */
  authorization?: string;
}

/** Moves the user-info of an http(s) URL into an Authorization header. */
export function splitCredentials(location: string): SplitUrl {
  if (!/^https?:\/\//i.test(location)) return { url: location };
  let parsed: URL;
  try {
    parsed = new URL(location);
  } catch {
    return { url: location };
  }
  if (!parsed.username && !parsed.password) return { url: location };
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), authorization: `Authorization: Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

export function gitEnvironment(ambient: NodeJS.ProcessEnv = process.env, authorization?: string): GitEnvironment {
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
  if (authorization) {
    // Environment, not `-c` on the command line: other users of the machine can read command lines.
    Object.assign(env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: authorization });
    allowEnvironment.push('GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0');
  }
  return {
    env,
    allowEnvironment,
    allowUnsafeSshCommand: 'GIT_SSH_COMMAND' in env || 'GIT_SSH' in env,
    allowUnsafeConfigEnvCount: Boolean(authorization),
  };
}
