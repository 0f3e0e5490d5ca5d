import { expect } from 'chai';
import { lookupUser, parsePasswd } from '../../../src/builder/passwd.js';

const PASSWD = [
  '# comment line',
  'root:x:0:0:root:/root:/bin/bash',
  '',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'jovyan:x:1000:100::/home/jovyan:/bin/bash',
  'broken:x:abc:100::/nowhere:/bin/sh',
  'short:x:1001',
  'nohome:x:1002:0',
].join('\n');

describe('passwd', () => {
  describe('parsePasswd', () => {
    it('parses valid lines and skips comments, blanks and malformed lines', () => {
      expect(parsePasswd(PASSWD)).to.deep.equal([
        { name: 'root', uid: 0, gid: 0, home: '/root' },
        { name: 'daemon', uid: 1, gid: 1, home: '/usr/sbin' },
        { name: 'jovyan', uid: 1000, gid: 100, home: '/home/jovyan' },
        { name: 'nohome', uid: 1002, gid: 0, home: '' },
      ]);
    });
  });

  describe('lookupUser', () => {
    const entries = parsePasswd(PASSWD);
    it('finds a user by name', () => {
      expect(lookupUser(entries, 'jovyan')).to.deep.equal({ name: 'jovyan', uid: 1000, gid: 100, home: '/home/jovyan' });
    });
    it('finds a user by uid, ignoring a group part', () => {
      expect(lookupUser(entries, '1000')?.name).to.equal('jovyan');
      expect(lookupUser(entries, '1000:100')?.name).to.equal('jovyan');
      expect(lookupUser(entries, 'jovyan:users')?.uid).to.equal(1000);
    });
    it('returns undefined for an unknown user', () => {
      expect(lookupUser(entries, 'nobody')).to.equal(undefined);
      expect(lookupUser(entries, '4242')).to.equal(undefined);
    });
  });
});
