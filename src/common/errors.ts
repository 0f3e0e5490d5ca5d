/**
 * Typed errors. Every failure a user can cause or meet (bad input, no engine, missing image, a
 * failing assemble) is a Tjs2iError: the CLI prints its message and hint on one line each, with no
 * stack, and exits with its code. Anything else is a bug and is shown with its stack under --debug.
 */
export const ExitCode = {
  ok: 0,
  buildFailed: 1,
  /** `tjs2i check`: the image would not run on a restricted platform (the check itself worked). */
  wouldNotRun: 1,
  usage: 2,
  engineUnreachable: 3,
  imageNotFound: 4,
  userNotAllowed: 5,
  /** Built and tagged locally, but the push to the registry failed (`build --push`). */
  pushFailed: 6,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class Tjs2iError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Invalid arguments or input (bad source, unknown ref, missing context dir). */
export class UsageError extends Tjs2iError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint);
  }
}

export class EngineUnreachableError extends Tjs2iError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.engineUnreachable, hint);
  }
}

export class ImageNotFoundError extends Tjs2iError {
  constructor(
    readonly image: string,
    hint?: string,
    message = `image ${image} not found`,
  ) {
    super(message, ExitCode.imageNotFound, hint);
  }
}

export class UserNotAllowedError extends Tjs2iError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.userNotAllowed, hint);
  }
}

/** The build itself failed: assemble exited non-zero, or the engine refused a step. */
export class BuildFailedError extends Tjs2iError {
  constructor(
    message: string,
    hint?: string,
    readonly lastLines: string[] = [],
  ) {
    super(message, ExitCode.buildFailed, hint);
  }
}

/**
 * The engine said it did what was asked, but what it made is not that (a commit that ignored its
 * configuration): nothing was tagged, and what it made was removed.
 */
export class EngineResultError extends BuildFailedError {
  constructor(message: string, hint?: string) {
    super(message, hint);
  }
}

/** The image was built and tagged locally, but pushing it to its registry failed. */
export class PushFailedError extends Tjs2iError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.pushFailed, hint);
  }
}

export class InterruptedError extends Tjs2iError {
  constructor() {
    super('interrupted', ExitCode.interrupted);
  }
}

/** Throws InterruptedError when the signal has fired; call between steps. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InterruptedError();
}
