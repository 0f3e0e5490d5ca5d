import type { BuilderArguments, Options } from 'yargs';
import { parseUidRanges } from '../../s2i/allowed-uids.js';
import type { BuildOptions } from '../../build/build.js';
import { runCommand } from '../run-command.js';
import type { GlobalArgv } from '../global-options.js';
import { sourceOptionSpecs, sourcePositionalSpec, sourceSpecOf } from '../source-options.js';
import { portOptionSpec } from '../run-time-options.js';
import { stringList } from '../string-list.js';
import { parseEnvArgument } from '../../s2i/environment.js';
import { formatBytes, formatDuration } from '../../common/log.js';
import { shortId } from '../../engine/short-id.js';
import { PULL_POLICIES } from '../../registry/pull-policy.js';
import { announce, runImageOptionsOf } from './run.js';

export const command = 'build <source> <builder> [output]';
export const describe = "Build a course image: run the builder's assemble on a source, commit the result";

/**
 * Listed as the help shows them: yargs orders the groups, and the options in each, as the options
 * are defined. The ungrouped --as-dockerfile is under Options:, with the global ones.
 */
const buildOptionSpecs = {
  ...sourceOptionSpecs,
  exclude: { type: 'string', describe: "regular expression of paths not to upload (default '(^|/)\\.git(/|$)'; '' for none)", group: 'Source:' },
  'ignore-submodules': { type: 'boolean', describe: 'do not fetch git submodules', group: 'Source:' },
  env: {
    alias: 'e',
    type: 'string',
    requiresArg: true,
    coerce: stringList,
    describe: 'NAME=VALUE (or NAME, taken from here) for assemble and the image; repeatable',
    group: 'Build:',
  },
  'environment-file': { alias: 'E', type: 'string', requiresArg: true, describe: 'file of NAME=VALUE lines (lowest precedence)', group: 'Build:' },
  'scripts-url': {
    alias: 's',
    type: 'string',
    requiresArg: true,
    describe: 'where assemble/run are: image:///dir, file:///dir or http(s)://host/dir',
    group: 'Build:',
  },
  destination: {
    alias: 'd',
    type: 'string',
    requiresArg: true,
    describe: 'directory for src/, scripts/ and artifacts/ in the build container (default: builder label, or /tmp)',
    group: 'Build:',
  },
  'assemble-user': {
    type: 'string',
    requiresArg: true,
    describe: 'numeric user to run assemble as (default: builder label, or its USER)',
    group: 'Build:',
  },
  'allowed-uids': {
    alias: 'u',
    type: 'string',
    requiresArg: true,
    coerce: stringList,
    describe: 'UID ranges the users must be in: 1-, -100, 5, 1000-2000 (comma lists; repeatable)',
    group: 'Build:',
  },
  'pull-policy': { choices: PULL_POLICIES, default: 'if-not-present', describe: 'when to pull the builder image', group: 'Build:' },
  incremental: { type: 'boolean', describe: "restore the previous image's save-artifacts output into <destination>/artifacts", group: 'Build:' },
  rm: { type: 'boolean', describe: 'remove the previous image of the output tag after a successful build', group: 'Build:' },
  force: { type: 'boolean', describe: 'build even when the output image was built from the same commit, builder and options', group: 'Build:' },
  'application-name': { alias: 'n', type: 'string', requiresArg: true, describe: 'label io.k8s.display-name', group: 'Image:' },
  description: { type: 'string', requiresArg: true, describe: 'label io.k8s.description', group: 'Image:' },
  push: {
    type: 'boolean',
    describe:
      'then push the image to its registry (Docker Hub when the name has no host); credentials from DOCKER_AUTH_CONFIG, REGISTRY_AUTH_FILE or $DOCKER_CONFIG/config.json',
    group: 'Image:',
  },
  'as-dockerfile': {
    type: 'string',
    requiresArg: true,
    describe: 'write a Dockerfile and its context (upload/) here instead of building; no engine needed',
  },
  run: { type: 'boolean', describe: 'then serve the image as `tjs2i run <output>` does (Ctrl-C stops it; the image is kept)', group: 'Run:' },
  port: { ...portOptionSpec, describe: 'with --run: host port on 127.0.0.1 (default: any free port); `tjs2i run` has the other run options' },
} as const satisfies Record<string, Options>;

export const builder = (yargs: GlobalArgv) =>
  yargs
    .positional('source', sourcePositionalSpec)
    .positional('builder', { type: 'string', demandOption: true, describe: 'builder image, e.g. jupyter-minimal-notebook' })
    .positional('output', { type: 'string', describe: 'name[:tag] of the image to make (not with --as-dockerfile)' })
    .options(buildOptionSpecs)
    .check((argv) => {
      if (!argv.output && !argv['as-dockerfile']) return 'give the output image name (or --as-dockerfile PATH)';
      if (argv.run && argv['as-dockerfile']) return '--run serves a built image: it cannot be used with --as-dockerfile';
      if (argv.push && argv['as-dockerfile'])
        return '--push pushes a built image: it cannot be used with --as-dockerfile (push what docker build, buildah or kaniko make)';
      if (argv.port !== undefined && !argv.run) return '--port is for --run';
      return true;
    });

type BuildArgs = BuilderArguments<typeof builder>;

/** The parsed command line as build options (exported for unit tests). */
export function buildOptionsOf(args: BuildArgs): BuildOptions {
  return {
    source: { ...sourceSpecOf(args), ...(args.ignoreSubmodules ? { ignoreSubmodules: true } : {}) },
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

export async function handler(args: BuildArgs): Promise<void> {
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
