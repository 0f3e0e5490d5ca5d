/**
 * What `tjs2i check` reports: one line per check (what was found, and one line of advice where
 * something is wanting), and the verdict. "Would run" means: on OpenShift's restricted-v2 SCC and
 * under Kubernetes' restricted Pod Security Standard, with an arbitrary UID and group 0. A fail is
 * anything that stops that; a warn only degrades it (or could not be determined); a skip does not
 * apply to this image. It would run when no line fails.
 */
import { ExitCode } from '../common/errors.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** The checks, in the order the report gives them. */
export const CHECK_IDS = ['user', 'stays-up', 'jupyter', 'home', 'writable-trees', 'set-id', 'port', 'healthcheck', 's2i'] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/** What each check is called in the table. */
export const CHECK_TITLES: Record<CheckId, string> = {
  user: 'USER',
  'stays-up': 'stays up',
  jupyter: 'Jupyter answers',
  home: 'HOME writable',
  'writable-trees': 'user trees writable',
  'set-id': 'set-id vs /etc/passwd',
  port: 'exposed port',
  healthcheck: 'health check',
  s2i: 'S2I builder',
};

export interface CheckLine {
  id: CheckId;
  status: CheckStatus;
  /** What was found, on one line. */
  found: string;
  /** What to do about it, on one line; '' when nothing is wanting. */
  advice: string;
  /** The last lines of output behind the finding (a command that exited). */
  log?: string[];
  /** Every path the finding is about, where `found` names only a few (the set-id files). */
  paths?: string[];
}

export interface CheckReport {
  image: string;
  imageId: string;
  /** The arbitrary UID the image was started under, with group 0. */
  uid: number;
  /** Judged as a Jupyter image (`jupyter` on its PATH): where the command is. */
  jupyter?: string;
  /** Judged as an S2I builder. */
  builder: boolean;
  checks: CheckLine[];
  /** How long the check took. */
  seconds: number;
}

export interface Verdict {
  wouldRun: boolean;
  fails: number;
  warnings: number;
}

/** A line of each status, the fails and warnings counted: it would run when nothing fails. */
export function verdictOf(checks: readonly CheckLine[]): Verdict {
  const fails = checks.filter((c) => c.status === 'fail').length;
  const warnings = checks.filter((c) => c.status === 'warn').length;
  return { wouldRun: fails === 0, fails, warnings };
}

/** 0 when it would run (warnings allowed), 1 when it would not. */
export function exitCodeOf(report: CheckReport): ExitCode {
  return verdictOf(report.checks).wouldRun ? ExitCode.ok : ExitCode.wouldNotRun;
}

/**
 * The --json result: `ok` is the verdict (as the exit code says), then the verdict's counts, the
 * image, and every line with its title.
 */
export function reportJson(report: CheckReport) {
  const verdict = verdictOf(report.checks);
  return {
    ok: verdict.wouldRun,
    ...verdict,
    image: report.image,
    imageId: report.imageId,
    uid: report.uid,
    gid: 0,
    jupyter: report.jupyter ?? null,
    builder: report.builder,
    seconds: report.seconds,
    checks: report.checks.map((c) => ({
      id: c.id,
      title: CHECK_TITLES[c.id],
      status: c.status,
      found: c.found,
      advice: c.advice,
      ...(c.log ? { log: c.log } : {}),
      ...(c.paths ? { paths: c.paths } : {}),
    })),
  };
}

/** The lines in the report's order. */
export function inReportOrder(checks: readonly CheckLine[]): CheckLine[] {
  return [...checks].sort((a, b) => CHECK_IDS.indexOf(a.id) - CHECK_IDS.indexOf(b.id));
}

/** A line; `advice` only where something is wanting. */
export function line(id: CheckId, status: CheckStatus, found: string, advice = ''): CheckLine {
  return { id, status, found, advice };
}
