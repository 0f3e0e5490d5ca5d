/**
 * The one path from an error to what the CLI prints and exits with (error-line.ts): a command's
 * error and yargs' refusal of the command line alike are one line, whatever their text holds.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { exitCodeOf, formatCommandLineError, formatError } from '../../../src/cli/error-line.js';
import {
  BuildFailedError,
  ExitCode,
  ImageNotFoundError,
  InterruptedError,
  PushFailedError,
  UsageError,
  UserNotAllowedError,
} from '../../../src/common/errors.js';
import { anyText, fuzzParameters } from '../../support/unit/fuzz.js';

describe('error-line', () => {
  describe('formatError', () => {
    it('gives exactly one line "error: <message>; <hint>" for a Tjs2iError', () => {
      const text = formatError(new UsageError('ref nope not found in /x', 'give a branch, a tag or a commit id'), false);
      expect(text).to.equal('error: ref nope not found in /x; give a branch, a tag or a commit id');
      expect(text.split('\n')).to.have.length(1);
    });

    it('gives the same single line under --debug (no stack for expected errors)', () => {
      const error = new UserNotAllowedError('builder b has USER a name (jovyan)', 'use a numeric USER');
      expect(formatError(error, true)).to.equal('error: builder b has USER a name (jovyan); use a numeric USER');
    });

    it('leaves out the hint separator when there is no hint', () => {
      expect(formatError(new InterruptedError(), false)).to.equal('error: interrupted');
      expect(formatError(new BuildFailedError('assemble failed with exit code 3', undefined, ['a', 'b']), false)).to.equal(
        'error: assemble failed with exit code 3',
      );
    });

    it('uses the default message of ImageNotFoundError', () => {
      expect(formatError(new ImageNotFoundError('x:1', 'pull it'), false)).to.equal('error: image x:1 not found; pull it');
    });

    it('mentions --debug for an unexpected error', () => {
      const text = formatError(new TypeError('cannot read properties of undefined'), false);
      expect(text).to.match(/^error: cannot read properties of undefined/);
      expect(text).to.include('--debug');
      expect(text.split('\n')).to.have.length(1);
    });

    it('shows the stack of an unexpected error under --debug', () => {
      const error = new TypeError('kaboom');
      const text = formatError(error, true);
      expect(text).to.equal(`error: ${error.stack}`);
      expect(text).to.include('kaboom');
    });

    it('copes with a non-Error value', () => {
      expect(formatError('a string', false)).to.include('a string');
      expect(formatError(undefined, false)).to.include('--debug');
    });

    it('writes a newline, a carriage return and an escape sequence in a message or hint as escapes', () => {
      const error = new UsageError('invalid allowed UIDs "1\n2\r3"', 'hint\x1b[2J\u2028end');
      expect(formatError(error, false)).to.equal('error: invalid allowed UIDs "1\\n2\\r3"; hint\\u001b[2J\\u2028end');
      expect(formatError(new TypeError('a\nb'), false)).to.equal('error: a\\nb (an unexpected error: run again with --debug for details)');
    });

    it('is one line without control characters for any message and hint (fast-check)', () => {
      fc.assert(
        fc.property(anyText, fc.option(anyText, { nil: undefined }), fc.boolean(), (message, hint, debug) => {
          for (const error of [new UsageError(message, hint), new BuildFailedError(message, hint, ['a\nb']), new ImageNotFoundError(message, hint)]) {
            const line = formatError(error, debug);
            expect(line).to.match(/^error: /);
            expect(/[\p{Cc}\u2028\u2029]/u.test(line), JSON.stringify(line)).to.equal(false);
          }
          expect(/[\p{Cc}\u2028\u2029]/u.test(formatError(new Error(message), false))).to.equal(false);
        }),
        fuzzParameters(100),
      );
    });
  });

  describe('exitCodeOf', () => {
    it("is a Tjs2iError's own code, and 1 for anything else (a bug)", () => {
      expect(exitCodeOf(new UsageError('x'))).to.equal(ExitCode.usage);
      expect(exitCodeOf(new PushFailedError('x'))).to.equal(ExitCode.pushFailed);
      expect(exitCodeOf(new InterruptedError())).to.equal(ExitCode.interrupted);
      expect(exitCodeOf(new RangeError('x'))).to.equal(ExitCode.buildFailed);
      expect(exitCodeOf('thrown text')).to.equal(ExitCode.buildFailed);
    });
  });

  describe('formatCommandLineError', () => {
    it("prints yargs' message as one line pointing at --help, an option's value escaped", () => {
      expect(formatCommandLineError('Unknown argument: a\nb')).to.equal('error: Unknown argument: a\\nb (see tjs2i --help)');
    });

    it('is one line without control characters for any message (fast-check)', () => {
      fc.assert(
        fc.property(anyText, (message) => {
          expect(/[\p{Cc}\u2028\u2029]/u.test(formatCommandLineError(message))).to.equal(false);
        }),
        fuzzParameters(100),
      );
    });
  });
});
