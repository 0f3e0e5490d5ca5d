/**
 * What the fuzz tests of the parsers users feed share (not a test file itself): how many runs, the
 * inputs (any text, long adversarial runs, valid inputs mutated), and the one outcome a refusal
 * must have: a UsageError (exit 2) printed as one line, with no control character, that the CLI
 * does not call unexpected.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { ExitCode, UsageError } from '../../../src/common/errors.js';
import { exitCodeOf, formatError } from '../../../src/cli/error-line.js';

/** `TJS2I_FUZZ_RUNS=N`: every fuzz property runs N times instead of its default (a longer search). */
export const FUZZ_RUNS_VARIABLE = 'TJS2I_FUZZ_RUNS';
/** `TJS2I_FUZZ_SEED=N`: replays the seed a failing run printed. */
export const FUZZ_SEED_VARIABLE = 'TJS2I_FUZZ_SEED';

/** fast-check's parameters for a fuzz property: `runs` runs unless TJS2I_FUZZ_RUNS says otherwise. */
export function fuzzParameters(runs: number): fc.Parameters<unknown> {
  const wanted = Number(process.env[FUZZ_RUNS_VARIABLE]);
  const seed = process.env[FUZZ_SEED_VARIABLE];
  return {
    numRuns: Number.isInteger(wanted) && wanted > 0 ? wanted : runs,
    ...(seed !== undefined && seed !== '' ? { seed: Number(seed) } : {}),
  };
}

/** Lone surrogates, NUL, C0 and C1 controls, DEL, line separators and bidi controls: what breaks a line or a terminal. */
const nasty = fc.constantFrom(
  '\0',
  '\n',
  '\r',
  '\r\n',
  '\t',
  '\x1b[31m',
  '\x7f',
  '\x85',
  '\x9b',
  '\u2028',
  '\u2029',
  '\u202e',
  '\ud800',
  '\udfff',
  '\ufeff',
  ' ',
);
const nastyText = fc.string({ unit: fc.oneof(nasty, fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 3 })), maxLength: 12 });

/** Any text: any code point, any byte as Latin-1, printable graphemes, and control-heavy mixes. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  nastyText,
);

/** `fragment` repeated thousands of times between two bits of text: what makes a backtracking regular expression slow. */
export function longRun(fragments: readonly string[], { min = 2000, max = 20000 } = {}): fc.Arbitrary<string> {
  return fc
    .tuple(fc.string({ maxLength: 4 }), fc.constantFrom(...fragments), fc.integer({ min, max }), fc.oneof(anyText, fc.constantFrom(...fragments)))
    .map(([before, fragment, times, after]) => `${before}${fragment.repeat(Math.ceil(times / fragment.length))}${after}`);
}

type Mutation = [kind: 'insert' | 'delete' | 'replace' | 'duplicate', at: number, text: string];

/** A valid input with one to three small mutations: a character inserted, removed, replaced or a slice repeated. */
export function mutated(valid: fc.Arbitrary<string>, alphabet: readonly string[]): fc.Arbitrary<string> {
  const piece = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...alphabet) }, { weight: 1, arbitrary: nasty });
  const mutation = fc.tuple(fc.constantFrom('insert', 'delete', 'replace', 'duplicate') as fc.Arbitrary<Mutation[0]>, fc.nat(), piece);
  return fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([text, mutations]) => mutations.reduce(applyMutation, text));
}

function applyMutation(text: string, [kind, at, piece]: Mutation): string {
  const i = text.length === 0 ? 0 : at % (text.length + 1);
  switch (kind) {
    case 'insert':
      return text.slice(0, i) + piece + text.slice(i);
    case 'delete':
      return text.slice(0, i) + text.slice(i + 1);
    case 'replace':
      return text.slice(0, i) + piece + text.slice(i + 1);
    case 'duplicate':
      return text.slice(0, i) + text.slice(i, i + 1 + (at % 5)).repeat(2) + text.slice(i + 1 + (at % 5));
  }
}

/** What breaks a line or a terminal; a message must hold none of it raw. */
const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
/** A refusal's message is for a person: long input is cut. */
export const MAX_MESSAGE_CHARS = 1000;

/** Checks a refusal: a UsageError, exit code 2, a short one-line message and hint, one `error:` line that is not "unexpected". */
export function expectUsageRefusal(error: unknown): asserts error is UsageError {
  if (!(error instanceof UsageError)) {
    // The stack of the unexpected error is what to fix.
    expect.fail(`expected a UsageError, got ${error instanceof Error ? error.stack : String(error)}`);
  }
  expect(error.exitCode).to.equal(ExitCode.usage);
  expect(exitCodeOf(error)).to.equal(ExitCode.usage);
  expect(error.message.trim(), 'message').not.to.equal('');
  for (const [what, text] of [
    ['message', error.message],
    ['hint', error.hint ?? ''],
  ] as const) {
    expect(UNPRINTABLE.test(text), `${what} ${JSON.stringify(text)} holds a control character`).to.equal(false);
    expect(text.length, `${what} length`).to.be.at.most(MAX_MESSAGE_CHARS);
  }
  const line = formatError(error, false);
  expect(line).to.match(/^error: /);
  expect(line).not.to.match(/[\n\r]/);
  expect(line).not.to.include('unexpected error');
}

/** Runs a parser: its value, or undefined after checking that its refusal is a proper usage error. */
export function parsedOrRefused<T>(parse: () => T): { value: T } | undefined {
  try {
    return { value: parse() };
  } catch (error) {
    expectUsageRefusal(error);
    return undefined;
  }
}

/** The same for a parser that returns a promise. */
export async function parsedOrRefusedAsync<T>(parse: () => Promise<T>): Promise<{ value: T } | undefined> {
  try {
    return { value: await parse() };
  } catch (error) {
    expectUsageRefusal(error);
    return undefined;
  }
}

/** The token hidden in every generated password of a URL: no message may show it. */
export const URL_SECRET = 'Tk9sEcReT';
const rawInUserinfo = fc.constantFrom('/', '?', '#', '@', '%', ':', ' ', '\t', '\n', '%2F', '%zz', '%ff', 'é', '[', ']', '\\', '!', '$');
/** The parts of a URL whose password holds the secret between raw reserved characters. */
export const urlParts = fc.record({
  scheme: fc.constantFrom('https://', 'http://', 'HTTPS://', 'ssh://', 'git://', 'git+ssh://', 'file://', 'ftp://'),
  user: fc.constantFrom('alice', 'x-access-token', 'a.b', 'ü', '', 'a@corp', 'a%40b'),
  before: fc.string({ unit: rawInUserinfo, maxLength: 3 }),
  after: fc.string({ unit: rawInUserinfo, maxLength: 3 }),
  host: fc.constantFrom('example.invalid', 'host:8443', '[::1]', 'Git.Example', 'h', ''),
  path: fc.constantFrom('/org/repo.git', '', '/', '/pkg@v1/repo', '?q=1', '#frag', '/a b'),
});
export type UrlParts = typeof urlParts extends fc.Arbitrary<infer T> ? T : never;
export const urlOf = ({ scheme, user, before, after, host, path }: UrlParts) => `${scheme}${user}:${before}${URL_SECRET}${after}@${host}${path}`;
export const urlWithSecret = urlParts.map(urlOf);

/** Checks that an error shows the secret of a generated URL nowhere (a host is shown lowercase: so is the check). */
export function expectNoUrlSecret(error: { message: string; hint?: string }): void {
  expect(error.message.toLowerCase(), 'message').not.to.include(URL_SECRET.toLowerCase());
  expect((error.hint ?? '').toLowerCase(), 'hint').not.to.include(URL_SECRET.toLowerCase());
}
