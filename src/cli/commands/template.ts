/**
 * `tjs2i template <stack>`: print a deployable definition of a notebook for the stack, an OpenShift
 * template (default), Kubernetes manifests or Helm values for the Zero to JupyterHub chart (a server
 * of the course image for every user of a hub), or with --builder the OpenShift template that builds
 * the stack's builder in the project; or write it with --output. Needs no engine.
 */
import { resolve } from 'node:path';
import type { BuilderArguments, Options } from 'yargs';
import { jsonResult } from '../run-command.js';
import { exitCodeOf, formatError } from '../error-line.js';
import type { GlobalArgv } from '../global-options.js';
import { stackPositionalSpec } from '../stack-positional.js';
import { ExitCode, UsageError } from '../../common/errors.js';
import { createLogger } from '../../common/log.js';
import { stderrFormat } from '../../common/stderr-format.js';
import { FORMATS, MAX_USERS } from '../../deploy/template-formats.js';
import { writeFileAtomic } from '../../common/write-file-atomic.js';

export const command = 'template <stack>';
export const describe = 'Print an OpenShift template, Kubernetes manifests or JupyterHub Helm values that deploy notebooks of the stack';

const imageGroup = 'Kubernetes and JupyterHub (--format kubernetes or jupyterhub):';
const kubernetesGroup = 'Kubernetes (--format kubernetes):';
const jupyterhubGroup = 'JupyterHub (--format jupyterhub):';

const templateOptionSpecs = {
  format: { type: 'string', default: 'openshift', requiresArg: true, describe: `${FORMATS.join(' or ')}` },
  output: { alias: 'o', type: 'string', requiresArg: true, describe: 'write to this file (replaced atomically) instead of stdout' },
  memory: {
    type: 'string',
    requiresArg: true,
    describe: 'memory limit, e.g. 2Gi (default by stack; OpenShift: the default of MEMORY_LIMIT; JupyterHub: per user, half of it requested)',
  },
  'volume-size': {
    type: 'string',
    requiresArg: true,
    describe: "a persistent volume on /home/jovyan/work of this size (OpenShift: the default of VOLUME_SIZE; JupyterHub: each user's, default 1Gi)",
  },
  'deployment-config': { type: 'boolean', describe: 'OpenShift: a DeploymentConfig instead of a Deployment, for OpenShift 3.x' },
  builder: {
    type: 'boolean',
    describe: "OpenShift: instead, the template that builds the stack's S2I builder in the project and rebuilds it on a new upstream image",
  },
  image: { type: 'string', requiresArg: true, describe: 'the image tjs2i build made, as the cluster pulls it (required)', group: imageGroup },
  uid: { type: 'number', requiresArg: true, describe: 'the UID the pods run as, with group 0 (default 1000770000)', group: imageGroup },
  name: { type: 'string', requiresArg: true, describe: 'name of the objects (default: the stack)', group: kubernetesGroup },
  host: {
    type: 'string',
    requiresArg: true,
    describe: 'public host name: adds an Ingress with TLS (certificate in secret <name>-tls)',
    group: kubernetesGroup,
  },
  users: {
    type: 'number',
    requiresArg: true,
    describe: `the class size (1 to ${MAX_USERS}): the values' comments say what it needs in memory, CPU and storage`,
    group: jupyterhubGroup,
  },
} as const satisfies Record<string, Options>;

export const builder = (yargs: GlobalArgv) => yargs.positional('stack', stackPositionalSpec).options(templateOptionSpecs);

type TemplateArgs = BuilderArguments<typeof builder>;

export async function handler(args: TemplateArgs): Promise<void> {
  const stderr = createLogger(stderrFormat(args.timestamps));
  try {
    // The Kubernetes manifest holds the generated password (in its Secret): it goes to a pipe
    // (kubectl apply -f -) or a private file, never onto a terminal or into a log by accident.
    if (args.format === 'kubernetes' && !args.builder && args.output === undefined && process.stdout.isTTY) {
      throw new UsageError(
        'the Kubernetes manifest holds the password Secret and stdout is a terminal',
        'pipe it (tjs2i template STACK --format kubernetes --image IMAGE | kubectl apply -f -) or write it with --output FILE',
      );
    }
    // The JupyterHub values are YAML for helm: there is no JSON of them to print, only the result line of --output.
    if (args.format === 'jupyterhub' && args.json && args.output === undefined) {
      throw new UsageError(
        '--format jupyterhub prints Helm values in YAML; --json applies only with --output',
        'drop --json, or write the values with --output FILE and get the result line on stdout with --json',
      );
    }
    // The manifests, and the YAML library the Helm values need, load only when a template is made.
    const { templateDefinition } = await import('../../deploy/template-definition.js');
    const { format, manifest, text } = templateDefinition({
      stack: args.stack,
      format: args.format,
      ...(args.memory !== undefined ? { memory: args.memory } : {}),
      ...(args.volumeSize !== undefined ? { volumeSize: args.volumeSize } : {}),
      ...(args.deploymentConfig !== undefined ? { deploymentConfig: args.deploymentConfig } : {}),
      ...(args.builder !== undefined ? { builder: args.builder } : {}),
      ...(args.image !== undefined ? { image: args.image } : {}),
      ...(args.name !== undefined ? { name: args.name } : {}),
      ...(args.host !== undefined ? { host: args.host } : {}),
      ...(args.uid !== undefined ? { uid: args.uid } : {}),
      ...(args.users !== undefined ? { users: args.users } : {}),
      ...(args.output !== undefined ? { valuesFile: args.output } : {}),
    });
    if (args.output !== undefined) {
      if (args.output === '') throw new UsageError('--output needs a file name');
      // Private when it holds a password.
      await writeFileAtomic(args.output, text, format === 'kubernetes' ? 0o600 : 0o644).catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot write ${args.output}: ${error.code ?? error.message}`, 'give a path in an existing, writable directory');
      });
      const what = format === 'jupyterhub' ? 'jupyterhub Helm values' : `${format}${args.builder ? ' builder' : ''} definition`;
      if (!args.quiet) stderr.line(`wrote ${what} to ${resolve(args.output)}`);
      if (args.json) process.stdout.write(`${jsonResult({ format, output: resolve(args.output) })}\n`);
    } else {
      // With --json, stdout is one line: the manifest itself.
      process.stdout.write(args.json ? `${JSON.stringify(manifest)}\n` : text);
    }
    if (format === 'jupyterhub' && !args.quiet) {
      stderr.line("the chart's default authenticator lets anyone in: set hub.config.JupyterHub.authenticator_class before students get the address");
      stderr.line("only the chart's NetworkPolicy keeps students' code from the cloud's metadata server: check that the cluster enforces it");
    }
    if (format === 'kubernetes' && !args.quiet) {
      const name = args.name ?? args.stack;
      stderr.line(`the password is in the Secret ${name}: kubectl get secret ${name} -o jsonpath='{.data.password}' | base64 -d`);
    }
    process.exitCode = ExitCode.ok;
  } catch (error) {
    stderr.line(formatError(error, Boolean(args.debug || args.verbose)));
    if (args.json) process.stdout.write(`${jsonResult(undefined, error)}\n`);
    process.exitCode = exitCodeOf(error);
  }
}
