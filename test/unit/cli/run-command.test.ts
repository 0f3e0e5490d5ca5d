import { expect } from 'chai';
import { exitCodeOfResult, jsonResult, logLevelOf, withExitCode } from '../../../src/cli/run-command.js';

describe('command-context', () => {
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
