import { expect } from 'chai';
import { exitCodeOfResult, formatError, jsonResult, logLevelOf, withExitCode } from '../../../src/cli/run-command.js';
import { BuildFailedError, ImageNotFoundError, InterruptedError, UsageError, UserNotAllowedError } from '../../../src/common/errors.js';

describe('command-context', () => {
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
  });

  describe('logLevelOf', () => {
    it('maps --debug and --quiet to log levels, debug winning', () => {
      expect(logLevelOf({})).to.equal('info');
      expect(logLevelOf({ quiet: true })).to.equal('quiet');
      expect(logLevelOf({ debug: true })).to.equal('debug');
      expect(logLevelOf({ quiet: true, debug: true })).to.equal('debug');
    });
  });

  describe('a result with an exit code', () => {
    it('ends the command with the code it carries (0 without one), and never shows it in --json', () => {
      const result = withExitCode({ ok: false, wouldRun: false }, 1);
      expect(exitCodeOfResult(result)).to.equal(1);
      expect(exitCodeOfResult({ image: 'x' })).to.equal(0);
      expect(exitCodeOfResult(undefined)).to.equal(0);
      expect(JSON.parse(jsonResult(result))).to.deep.equal({ ok: false, wouldRun: false });
    });
  });
});
