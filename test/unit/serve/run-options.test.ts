import { expect } from 'chai';
import { UsageError } from '../../../src/common/errors.js';
import { parsePort, parseRunEnv, parseUser, parseVolume, passwordProtected, runOptionsOf } from '../../../src/serve/run-options.js';
import { rejectionOf, usageErrorOf } from '../../support/unit/helpers.js';

describe('run options', () => {
  describe('parsePort', () => {
    it('accepts 1 to 65535, as a number or a string, and nothing for "any free port"', () => {
      expect(parsePort(undefined)).to.equal(undefined);
      expect(parsePort('8888')).to.equal(8888);
      expect(parsePort(1)).to.equal(1);
      expect(parsePort(' 65535 ')).to.equal(65535);
    });

    it('refuses anything else with a usage error', () => {
      for (const bad of ['0', '65536', '-1', '88.5', 'http', '', '127.0.0.1:8888']) {
        expect(usageErrorOf(() => parsePort(bad)).message, bad).to.match(/^--port .*: not a port number$/);
      }
    });
  });

  describe('parseVolume', () => {
    it('passes named volumes and absolute host paths through, with options', () => {
      expect(parseVolume('course-data:/home/jovyan/work/extra')).to.equal('course-data:/home/jovyan/work/extra');
      expect(parseVolume('/srv/data:/data:ro')).to.equal('/srv/data:/data:ro');
      expect(parseVolume('vol_1.x:/data:rw,nocopy')).to.equal('vol_1.x:/data:rw,nocopy');
      expect(parseVolume('/srv/data:/data:ro,Z')).to.equal('/srv/data:/data:ro,Z');
    });

    it('makes ./ and ../ paths absolute against the working directory', () => {
      expect(parseVolume('./data:/data', '/home/me/course')).to.equal('/home/me/course/data:/data');
      expect(parseVolume('../data:/data:ro', '/home/me/course')).to.equal('/home/me/data:/data:ro');
      expect(parseVolume('.:/data', '/home/me/course')).to.equal('/home/me/course:/data');
    });

    it('refuses malformed specs', () => {
      expect(usageErrorOf(() => parseVolume('data')).message).to.match(/expected SRC:DST\[:OPTIONS\]/);
      expect(usageErrorOf(() => parseVolume('a:/b:ro:x')).message).to.match(/expected SRC:DST\[:OPTIONS\]/);
      expect(usageErrorOf(() => parseVolume(':/data')).message).to.match(/the source is empty/);
      expect(usageErrorOf(() => parseVolume('my data:/data')).message).to.match(/my data is neither a volume name nor a host path/);
      expect(usageErrorOf(() => parseVolume('data:relative')).message).to.match(/the target must be an absolute path/);
      expect(usageErrorOf(() => parseVolume('data:/')).message).to.match(/the target must be an absolute path/);
      expect(usageErrorOf(() => parseVolume('data:/d:rx')).message).to.match(/unknown option "rx"/);
      expect(usageErrorOf(() => parseVolume('data:/d:ro,rw')).message).to.match(/ro or rw, not both/);
      expect(usageErrorOf(() => parseVolume('/srv:/d:nocopy')).message).to.match(/nocopy is for named volumes only/);
    });
  });

  describe('parseRunEnv', () => {
    it('takes a bare NAME from the given environment and NAME=VALUE literally; later ones win', () => {
      const vars = parseRunEnv(['PASSWORD', 'GREETING=a=b', 'GREETING=c', 'EMPTY='], { PASSWORD: 'pw from env' });
      expect(vars).to.deep.equal([
        { name: 'PASSWORD', value: 'pw from env' },
        { name: 'GREETING', value: 'c' },
        { name: 'EMPTY', value: '' },
      ]);
    });

    it('warns once when secrets are written on the command line, never repeating their values', () => {
      const warnings: string[] = [];
      parseRunEnv(['PASSWORD=hunter2-value', 'API_TOKEN=tok-value', 'PASSWORD=again-value', 'PLAIN=x'], {}, (m) => warnings.push(m));
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.contain('-e PASSWORD=...').and.contain('-e API_TOKEN=...').and.contain('ps').and.contain('-e PASSWORD (the name only)');
      expect(warnings[0]).not.to.match(/hunter2|tok-value|again-value/);
      expect(warnings[0]).not.to.contain('PLAIN');
    });

    it('does not warn for a password passed by name', () => {
      const warnings: string[] = [];
      parseRunEnv(['PASSWORD'], { PASSWORD: 'x' }, (m) => warnings.push(m));
      expect(warnings).to.deep.equal([]);
    });

    it('refuses a bare name that is not set, and bad names, without showing values', async () => {
      expect(usageErrorOf(() => parseRunEnv(['PASSWORD'], {})).message).to.equal("-e PASSWORD: no such variable is set in tjs2i's environment");
      const error = usageErrorOf(() => parseRunEnv(['MY-PASSWORD=secret-value'], {}));
      expect(error.message).not.to.contain('secret-value');
      expect(await rejectionOf(Promise.resolve().then(() => parseRunEnv(['1X=y'], {})))).to.be.instanceOf(UsageError);
    });
  });

  it('passwordProtected: a non-empty PASSWORD or PASSWORD_FILE', () => {
    expect(passwordProtected([{ name: 'PASSWORD', value: 'x' }])).to.equal(true);
    expect(passwordProtected([{ name: 'PASSWORD_FILE', value: '/run/secrets/pw' }])).to.equal(true);
    expect(passwordProtected([{ name: 'PASSWORD', value: '' }])).to.equal(false);
    expect(passwordProtected([{ name: 'OTHER', value: 'x' }])).to.equal(false);
  });

  it('parseUser passes a user through and refuses an empty one', () => {
    expect(parseUser('1000770000:0')).to.equal('1000770000:0');
    expect(parseUser(undefined)).to.equal(undefined);
    expect(usageErrorOf(() => parseUser(' ')).message).to.equal('--user is empty');
  });

  it('runOptionsOf: the whole command line', () => {
    expect(runOptionsOf({ port: '9000', env: ['A=1'], user: '5:0', volume: ['v:/data'] })).to.deep.equal({
      port: 9000,
      env: [{ name: 'A', value: '1' }],
      user: '5:0',
      volumes: ['v:/data'],
    });
    expect(runOptionsOf({})).to.deep.equal({ env: [], volumes: [] });
  });
});
