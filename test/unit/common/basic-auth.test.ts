import { expect } from 'chai';
import { basicCredentials, userinfoBytes } from '../../../src/common/basic-auth.js';

describe('basic-auth', () => {
  it('reads %XX as the byte XX and anything else as its UTF-8, as git reads a URL', () => {
    expect(userinfoBytes('p%40ss%2Fw%C3%A9')).to.deep.equal(Buffer.from('p@ss/wé'));
    expect(userinfoBytes('a%zz%4')).to.deep.equal(Buffer.from('a%zz%4'));
    expect(userinfoBytes('%ff%FE')).to.deep.equal(Buffer.from([0xff, 0xfe]));
    expect(userinfoBytes('ü')).to.deep.equal(Buffer.from('ü'));
  });

  it('gives base64 of user:password of a parsed URL', () => {
    expect(basicCredentials(new URL('https://me%40corp:p%40ss@host/'))).to.equal(Buffer.from('me@corp:p@ss').toString('base64'));
    expect(basicCredentials(new URL('https://token@host/'))).to.equal(Buffer.from('token:').toString('base64'));
  });
});
