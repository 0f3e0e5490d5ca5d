import type { Argv, ArgumentsCamelCase } from 'yargs';
import { parseUidRanges } from '../../s2i/allowed-uids.js';
import type { BuildOptions } from '../../build/build.js';
import { runCommand, type GlobalOptions } from '../run-command.js';
import { parseEnvArgument } from '../../s2i/environment.js';
import { formatBytes, formatDuration } from '../../common/log.js';
import { shortId } from '../../engine/short-id.js';
import { PULL_POLICIES, type PullPolicy } from '../../registry/pull-policy.js';
import { announce, portOption, runImageOptionsOf } from './run.js';

interface BuildArgs extends GlobalOptions {
  source: string;
  builder: string;
  output?: string;
  asDockerfile?: string;
  ref?: string;
  contextDir?: string;
  env?: string[];
  environmentFile?: string;
  scriptsUrl?: string;
  destination?: string;
  assembleUser?: string;
  allowedUids?: string[];
  copy?: boolean;
  exclude?: string;
  ignoreSubmodules?: boolean;
  incremental?: boolean;
  rm?: boolean;
  applicationName?: string;
  description?: string;
  pullPolicy?: PullPolicy;
  run?: boolean;
  port?: string;
  force?: boolean;
  push?: boolean;
}

export const command = 'build <source> <builder> [output]';
export const describe = "Build a course image: run the builder's assemble on a source, commit the result";

/** Repeatable string options: yargs gives one string, or an array when the flag is repeated. */
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);

export const builder = (yargs: Argv): Argv<BuildArgs> =>
  yargs
    .positional('source', { type: 'string', demandOption: true, describe: 'git URL (https, ssh, git, file) or local directory' })
    .positional('builder', { type: 'string', demandOption: true, describe: 'builder image, e.g. jupyter-minimal-notebook' })
    .positional('output', { type: 'string', describe: 'name[:tag] of the image to make (not with --as-dockerfile)' })
    .group(['ref', 'context-dir', 'copy', 'exclude', 'ignore-submodules'], 'Source:')
    .option('ref', { alias: 'r', type: 'string', requiresArg: true, describe: 'branch, tag or commit to build (git sources)' })
    .option('context-dir', { type: 'string', requiresArg: true, describe: 'subdirectory of the source to build' })
    .option('copy', { type: 'boolean', describe: 'use a local directory as it is on disk (uncommitted files included), never clone it' })
    .option('exclude', { type: 'string', describe: "regular expression of paths not to upload (default '(^|/)\\.git(/|$)'; '' for none)" })
    .option('ignore-submodules', { type: 'boolean', describe: 'do not fetch git submodules' })
    .group(['env', 'environment-file', 'scripts-url', 'destination', 'assemble-user', 'allowed-uids', 'pull-policy', 'incremental', 'rm', 'force'], 'Build:')
    .option('pull-policy', { choices: PULL_POLICIES, default: 'if-not-present', describe: 'when to pull the builder image' })
    .option('env', {
      alias: 'e',
      type: 'string',
      requiresArg: true,
      coerce: list,
      describe: 'NAME=VALUE (or NAME, taken from here) for assemble and the image; repeatable',
    })
    .option('environment-file', { alias: 'E', type: 'string', requiresArg: true, describe: 'file of NAME=VALUE lines (lowest precedence)' })
    .option('scripts-url', {
      alias: 's',
      type: 'string',
      requiresArg: true,
      describe: 'where assemble/run are: image:///dir, file:///dir or http(s)://host/dir',
    })
    .option('destination', {
      alias: 'd',
      type: 'string',
      requiresArg: true,
      describe: 'directory for src/, scripts/ and artifacts/ in the build container (default: builder label, or /tmp)',
    })
    .option('assemble-user', { type: 'string', requiresArg: true, describe: 'numeric user to run assemble as (default: builder label, or its USER)' })
    .option('allowed-uids', {
      alias: 'u',
      type: 'string',
      requiresArg: true,
      coerce: list,
      describe: 'UID ranges the users must be in: 1-, -100, 5, 1000-2000 (comma lists; repeatable)',
    })
    .option('incremental', { type: 'boolean', describe: "restore the previous image's save-artifacts output into <destination>/artifacts" })
    .option('rm', { type: 'boolean', describe: 'remove the previous image of the output tag after a successful build' })
    .option('force', { type: 'boolean', describe: 'build even when the output image was built from the same commit, builder and options' })
    .group(['application-name', 'description', 'push'], 'Image:')
    .option('application-name', { alias: 'n', type: 'string', requiresArg: true, describe: 'label io.k8s.display-name' })
    .option('description', { type: 'string', requiresArg: true, describe: 'label io.k8s.description' })
    .option('push', {
      type: 'boolean',
      describe:
        'then push the image to its registry (Docker Hub when the name has no host); credentials from DOCKER_AUTH_CONFIG, REGISTRY_AUTH_FILE or $DOCKER_CONFIG/config.json',
    })
    .option('as-dockerfile', {
      type: 'string',
      requiresArg: true,
      describe: 'write a Dockerfile and its context (upload/) here instead of building; no engine needed',
    })
    .group(['run', 'port'], 'Run:')
    .option('run', { type: 'boolean', describe: 'then serve the image as `tjs2i run <output>` does (Ctrl-C stops it; the image is kept)' })
    .option('port', { ...portOption, describe: 'with --run: host port on 127.0.0.1 (default: any free port); `tjs2i run` has the other run options' })
    .check((argv) => {
      if (!argv.output && !argv.asDockerfile) return 'give the output image name (or --as-dockerfile PATH)';
      if (argv.run && argv.asDockerfile) return '--run serves a built image: it cannot be used with --as-dockerfile';
      if (argv.push && argv.asDockerfile)
        return '--push pushes a built image: it cannot be used with --as-dockerfile (push what docker build, buildah or kaniko make)';
      if (argv.port !== undefined && !argv.run) return '--port is for --run';
      return true;
    }) as unknown as Argv<BuildArgs>;

/** The parsed command line as build options (exported for unit tests). */
export function buildOptionsOf(args: BuildArgs): BuildOptions {
  return {
    source: {
      location: args.source,
      ...(args.ref ? { ref: args.ref } : {}),
      ...(args.contextDir !== undefined ? { contextDir: args.contextDir } : {}),
      ...(args.copy ? { copy: true } : {}),
      ...(args.ignoreSubmodules ? { ignoreSubmodules: true } : {}),
    },
    builder: args.builder,
    output: args.output ?? '',
    env: (args.env ?? []).map((arg) => parseEnvArgument(arg)),
    ...(args.environmentFile !== undefined ? { environmentFile: args.environmentFile } : {}),
    ...(args.scriptsUrl !== undefined ? { scriptsUrl: args.scriptsUrl } : {}),
    ...(args.destination !== undefined ? { destination: args.destination } : {}),
    ...(args.assembleUser !== undefined ? { assembleUser: args.assembleUser } : {}),
    allowedUids: parseUidRanges(args.allowedUids ?? []),
    ...(args.exclude !== undefined ? { exclude: args.exclude } : {}),
    incremental: Boolean(args.incremental),
    removePrevious: Boolean(args.rm),
    ...(args.applicationName !== undefined ? { applicationName: args.applicationName } : {}),
    ...(args.description !== undefined ? { description: args.description } : {}),
    ...(args.pullPolicy !== undefined ? { pullPolicy: args.pullPolicy } : {}),
    ...(args.force ? { force: true } : {}),
  };
}

export async function handler(args: ArgumentsCamelCase<BuildArgs>): Promise<void> {
  await runCommand(args, async ({ logger, engine, signal }) => {
    // The pipeline (tar-stream, ignore, and simple-git for a git source) loads only when a build runs.
    if (args.asDockerfile !== undefined) {
      const { writeAsDockerfile } = await import('../../build/as-dockerfile.js');
      const written = await writeAsDockerfile(engine, args.asDockerfile, buildOptionsOf(args), logger, signal);
      return { dockerfile: written.dockerfile, context: written.context, builderInspected: written.builderInspected };
    }
    // Checked before building, so a bad --port costs no build.
    const runOptions = args.run ? runImageOptionsOf({ port: args.port }) : undefined;
    // The credentials are found first too: a malformed config file costs no build.
    const push = args.push ? await import('../../registry/push.js') : undefined;
    const pushPlan = push ? await push.preparePush(args.output ?? '', { signal, warn: (message) => logger.warn(message) }) : undefined;
    const { build } = await import('../../build/build.js');
    const { checkCacheDir, fileCheckCache } = await import('../../build/direct-write-cache.js');
    const result = await build(engine, { ...buildOptionsOf(args), checkCache: fileCheckCache(checkCacheDir()) }, logger, signal);
    if (!result.upToDate)
      logger.info(`built ${result.image} (${shortId(result.imageId)}), ${formatBytes(result.size)}, in ${formatDuration(result.durationMs)}`);
    const pushed = push && pushPlan ? await push.pushImage(engine, pushPlan, logger, signal) : undefined;
    const runImage = runOptions ? (await import('../../serve/run-image.js')).runImage : undefined;
    const served = runOptions && runImage ? await runImage(engine, result.image, runOptions, logger, signal, (ready) => announce(ready, args.json)) : undefined;
    return {
      ...(served
        ? { url: served.url, port: served.port, containerId: served.containerId, container: served.container, passwordRequired: served.passwordRequired }
        : {}),
      image: result.image,
      imageId: result.imageId,
      size: result.size,
      durationMs: Math.round(result.durationMs),
      incremental: result.incremental,
      upToDate: result.upToDate,
      ...(result.previousImageId ? { previousImageId: result.previousImageId } : {}),
      ...(pushed ? { pushed: { reference: pushed.reference, registry: pushed.registry, digest: pushed.digest ?? null } } : {}),
      labels: result.labels,
    };
  });
}
