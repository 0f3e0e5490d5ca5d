import { expect } from 'chai';
import { logLevelOf } from '../../../src/cli/run-command.js';

describe('command-context', () => {
  describe('logLevelOf', () => {
    it('maps --debug and --quiet to log levels, debug winning', () => {
      expect(logLevelOf({})).to.equal('info');
      expect(logLevelOf({ quiet: true })).to.equal('quiet');
      expect(logLevelOf({ debug: true })).to.equal('debug');
      expect(logLevelOf({ quiet: true, debug: true })).to.equal('debug');
    });
  });
});
