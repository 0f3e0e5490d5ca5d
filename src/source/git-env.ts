/**
 * The environment git runs with. simple-git refuses an explicit environment that holds variables
 * able to run programs (EDITOR, PAGER, GIT_ASKPASS, ...); a clone needs none of them, so they are
 * left out. Prompts are off (GIT_TERMINAL_PROMPT=0) so a private repository fails at once instead
 * of waiting for a password; a user's GIT_SSH_COMMAND / GIT_SSH (keys, ports) is honoured.
 */
import { checkUrlUserinfo } from './url-userinfo.js';
import { basicCredentials } from '../common/basic-auth.js';
const PASSED_GIT_VARIABLES = ['GIT_TERMINAL_PROMPT', 'GIT_SSL_CAINFO', 'GIT_SSL_CAPATH', 'GIT_SSL_NO_VERIFY', 'GIT_SSH_COMMAND', 'GIT_SSH'];
const PROGRAM_VARIABLES = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX', 'SSH_ASKPASS']);

export interface GitEnvironment {
  env: Record<string, string>;
  allowEnvironment: string[];
  allowUnsafeSshCommand: boolean;
  allowUnsafeConfigEnvCount: boolean;
  /** simple-git's `unsafe` options that exactly this environment needs (and no others). */
  unsafe: {
    allowUnsafeSshCommand: boolean;
    allowUnsafeConfigEnvCount: boolean;
    allowUnsafeProtocolOverride: boolean;
    allowUnsafeFilter: boolean;
  };
}

export interface GitEnvironmentOptions {
  /**
   * The origin (scheme://host[:port]/) the Authorization header is sent to: a submodule or an LFS
   * store on another host must never receive the credentials of the main repository.
   */
  authorizationScope?: string;
  /** More configuration, passed through the environment like the header (protocol.file.allow, ...). */
  config?: Record<string, string>;
  /** More GIT_* variables (GIT_LFS_SKIP_SMUDGE). */
  variables?: Record<string, string>;
}

export interface SplitUrl {
  /** The URL git is given: without credentials, so they never appear on a command line. */
  url: string;
  /** An HTTP Authorization header carrying them, passed to git through its environment. */
  authorization?: string;
  /** The origin of the URL (scheme://host[:port]/), to which alone the header is sent. */
  scope?: string;
}

/** Moves the user-info of an http(s) URL into an Authorization header. */
export function splitCredentials(location: string): SplitUrl {
  checkUrlUserinfo(location);
  if (!/^https?:\/\//i.test(location)) return { url: location };
  let parsed: URL;
  try {
    parsed = new URL(location);
  } catch {
    // No user-info (checked above): nothing to keep off git's command line.
    return { url: location };
  }
  if (!parsed.username && !parsed.password) return { url: location };
  const authorization = `Authorization: Basic ${basicCredentials(parsed)}`;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), scope: `${parsed.protocol}//${parsed.host}/`, authorization };
}

export function gitEnvironment(ambient: NodeJS.ProcessEnv = process.env, authorization?: string, options: GitEnvironmentOptions = {}): GitEnvironment {
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
  const config: [string, string][] = [];
  // Environment, not `-c` on the command line: other users of the machine can read command lines.
  // Git passes GIT_CONFIG_* on to the processes it starts for submodules, and git-lfs reads them.
  if (authorization) config.push([options.authorizationScope ? `http.${options.authorizationScope}.extraHeader` : 'http.extraHeader', authorization]);
  config.push(...Object.entries(options.config ?? {}));
  if (config.length > 0) {
    env.GIT_CONFIG_COUNT = String(config.length);
    allowEnvironment.push('GIT_CONFIG_COUNT');
    config.forEach(([key, value], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = key;
      env[`GIT_CONFIG_VALUE_${i}`] = value;
      allowEnvironment.push(`GIT_CONFIG_KEY_${i}`, `GIT_CONFIG_VALUE_${i}`);
    });
  }
  for (const [key, value] of Object.entries(options.variables ?? {})) {
    env[key] = value;
    allowEnvironment.push(key);
  }
  const keys = config.map(([key]) => key.toLowerCase());
  const unsafe = {
    allowUnsafeSshCommand: 'GIT_SSH_COMMAND' in env || 'GIT_SSH' in env,
    allowUnsafeConfigEnvCount: config.length > 0,
    allowUnsafeProtocolOverride: keys.some((k) => k.startsWith('protocol.')),
    allowUnsafeFilter: keys.some((k) => k.startsWith('filter.')),
  };
  return { env, allowEnvironment, allowUnsafeSshCommand: unsafe.allowUnsafeSshCommand, allowUnsafeConfigEnvCount: unsafe.allowUnsafeConfigEnvCount, unsafe };
}
