/**
 * What `tjs2i build` is asked to do, flag by flag: what both an engine build and `--as-dockerfile`
 * plan from, and what only an engine build uses (the output tag, --incremental, --rm, --force).
 */
import type { UidRange } from '../s2i/allowed-uids.js';
import type { CheckCache } from './direct-write-cache.js';
import type { EnvVar } from '../s2i/environment.js';
import type { PullPolicy } from '../registry/pull-policy.js';
import type { SourceSpec } from '../source/prepare-source.js';

export interface BuildOptions {
  source: SourceSpec;
  builder: string;
  output: string;
  /** `-e NAME=VALUE`, highest precedence. */
  env?: EnvVar[];
  /** `-E FILE`, lowest precedence. */
  environmentFile?: string;
  scriptsUrl?: string;
  destination?: string;
  assembleUser?: string;
  allowedUids?: UidRange[];
  /** `--exclude` regexp; undefined for the default (.git), '' for nothing. */
  exclude?: string;
  incremental?: boolean;
  /** `--rm`: remove the image the output tag named before, once the new one is tagged. */
  removePrevious?: boolean;
  applicationName?: string;
  description?: string;
  /** When to pull the builder (default if-not-present). */
  pullPolicy?: PullPolicy;
  /** Build even when the output tag was built from the same inputs (its fingerprint label). */
  force?: boolean;
  /** Where checks of builder images that passed are remembered (the CLI's: the user's cache directory). */
  checkCache?: CheckCache;
}
