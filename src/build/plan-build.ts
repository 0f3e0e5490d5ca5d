/**
 * The plan of a build, made once for an engine build and for `--as-dockerfile`: the builder, who
 * runs assemble, where the files go, the build environment, the scripts, which files of the source
 * are packed and the labels the output image gets. Flags are checked first (no engine call for a
 * bad one), then the builder is found, then the source is fetched. Where the two differ, the
 * caller says so in `PlanMode`.
 */
import { posix } from 'node:path';
import { assembleUserOf, type BuildUser } from '../s2i/assemble-user.js';
import type { BuildOptions } from './build-options.js';
import type { Engine } from '../engine/engine.js';
import { mergeEnvironment, readEnvironmentFile, readSourceEnvironment, type EnvVar } from '../s2i/environment.js';
import { weakeningVariables } from '../s2i/weakening-variables.js';
import { throwIfAborted, UsageError } from '../common/errors.js';
import { ASSUMED_BUILDER, assumedBuildUser, type BuilderLookup, type InspectedBuilder } from './find-builder.js';
import type { Logger } from '../common/log.js';
import type { LabelInputs } from './output-labels.js';
import { redactCredentials } from '../common/redact.js';
import { Label, provenanceLabels } from '../s2i/labels.js';
import { ScriptFinder, type ScriptLocation } from '../s2i/scripts.js';
import { compileExclude, readS2iIgnore, sourceFilter } from '../source/source-filter.js';
import { prepareSource, sourceKind, type PreparedSource } from '../source/prepare-source.js';
import type { PackEntry } from '../source/pack-trees.js';

/** True for a path of the source to leave out (relative to the source, with `/`). */
export type SourceFilter = (relative: string, directory: boolean) => boolean;

export interface BuildPlan<Builder extends InspectedBuilder | undefined = InspectedBuilder> {
  /** The builder as the engine has it; undefined when a tjs2i builder is assumed (`--as-dockerfile` only). */
  builder: Builder;
  /** The output image's USER: the builder's. */
  imageUser: string;
  /** Runs assemble, and owns the files put into the image. */
  buildUser: BuildUser;
  /** Where the source (`src/`), external scripts (`scripts/`) and artifacts go in the image. */
  destination: string;
  /** How the source was fetched: cloned (a git URL or the top of a work tree), or a directory used as it is. */
  sourceKind: ReturnType<typeof sourceKind>;
  source: PreparedSource;
  /** The build environment: `-E` file < the source's .s2i/environment < `-e`. */
  env: EnvVar[];
  /** The `-E` file's variables alone (the source key records them). */
  fileEnv: EnvVar[];
  assemble: ScriptLocation;
  run: ScriptLocation;
  /** The scripts that are not in the image, put next to the source as `scripts/<name>`. */
  scriptFiles: PackEntry[];
  /** The output image's labels as far as the plan knows them (what assemble asks for comes later). */
  labels: LabelInputs;
  /** `--exclude` (checked while planning) with the source's .s2iignore, read when the files are packed. */
  sourceFilter(): Promise<SourceFilter>;
}

/** Where an engine build and `--as-dockerfile` plan differently. */
export interface PlanMode<Builder extends InspectedBuilder | undefined> {
  /** How the builder is found: pulled, or inspected if possible (find-builder.ts). */
  findBuilder: BuilderLookup<Builder>;
  /** Whether fetching a repository is shown as a `clone` step (an engine build) rather than as `source`. */
  showsClone: boolean;
  /** Whether the names of the build variables are logged (an engine build; a Dockerfile lists them itself). */
  logsEnvironment: boolean;
}

/**
 * What planning made on this machine, set the moment each exists, so that the caller removes them
 * however the build ends, a failure half-way through planning included.
 */
export interface MadeWhilePlanning {
  source?: PreparedSource;
  /** Finds the scripts; removes any it downloaded. */
  scripts?: ScriptFinder;
}

export async function planBuild<Builder extends InspectedBuilder | undefined>(
  engine: Pick<Engine, 'images'>,
  options: BuildOptions,
  mode: PlanMode<Builder>,
  made: MadeWhilePlanning,
  logger: Logger,
  signal?: AbortSignal,
): Promise<BuildPlan<Builder>> {
  const exclude = compileExclude(options.exclude);
  const destinationFlag = validateDestination(options.destination);
  const fileEnv = options.environmentFile ? await readEnvironmentFile(options.environmentFile) : [];

  const builder = await mode.findBuilder(engine.images, options, logger, signal);
  const known = builder ?? ASSUMED_BUILDER;
  const ranges = options.allowedUids ?? [];
  const buildUser = builder ? assembleUserOf(builder, options.assembleUser, ranges) : assumedBuildUser(options.assembleUser, ranges);
  const destination = destinationFlag ?? validateDestination(known.destination, `the builder label ${Label.destination}`);
  throwIfAborted(signal);

  const kind = sourceKind(options.source.location, options.source.copy);
  const step = mode.showsClone && kind !== 'directory' ? 'clone' : 'source';
  const source = await logger.step(step, redactCredentials(options.source.location), () => prepareSource(options.source, logger, signal));
  made.source = source;
  const courseEnv = await readSourceEnvironment(source.dir);
  for (const { name, effect } of weakeningVariables(courseEnv)) {
    logger.warn(`.s2i/environment sets ${name}, which ${effect}: it is committed into the image; set it when running the image instead`);
  }
  const env = mergeEnvironment(fileEnv, courseEnv, options.env ?? []);
  if (mode.logsEnvironment && env.length) logger.info(`    environment: ${env.map((v) => v.name).join(', ')}`);
  const scripts = new ScriptFinder({ scriptsUrl: options.scriptsUrl, sourceDir: source.dir, imageScriptsUrl: known.scriptsUrl, destination }, signal);
  made.scripts = scripts;
  const assemble = await scripts.require('assemble');
  const run = await scripts.require('run');
  return {
    builder,
    imageUser: known.user,
    buildUser,
    destination,
    sourceKind: kind,
    source,
    env,
    fileEnv,
    assemble,
    run,
    scriptFiles: [assemble, run].flatMap((s) => (s.hostPath ? [{ source: s.hostPath, name: `scripts/${s.name}`, mode: 0o755 }] : [])),
    labels: {
      builder: known.labels,
      applicationName: options.applicationName,
      description: options.description,
      provenance: provenanceLabels(options.builder, source.provenance),
    },
    sourceFilter: async () => sourceFilter(exclude, (await readS2iIgnore(source.dir))?.rules),
  };
}

/**
 * `--destination` (or the builder's label): an absolute path in the image without whitespace or
 * control characters (it ends up in a Dockerfile with --as-dockerfile), or undefined when not given.
 */
export function validateDestination(destination: string, what?: string): string;
export function validateDestination(destination: string | undefined, what?: string): string | undefined;
export function validateDestination(destination: string | undefined, what = '--destination'): string | undefined {
  if (destination === undefined) return undefined;
  const normalized = posix.normalize(destination.trim());
  if (!posix.isAbsolute(normalized) || normalized === '/' || /[\s\p{Cc}"\\]/u.test(normalized)) {
    throw new UsageError(`${what} ${JSON.stringify(destination)} must be an absolute directory other than /, without spaces or quotes`, 'for example /tmp');
  }
  return normalized.replace(/\/+$/, '');
}
