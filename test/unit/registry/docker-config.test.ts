import { expect } from 'chai';
import { hasCredentials, parseDockerConfig } from '../../../src/registry/docker-config.js';
import { UsageError } from '../../../src/common/errors.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const WHERE = 'Docker config file /x/config.json';

/** The UsageError parsing `text` throws (fails the test when it parses). */
function parseError(text: string): UsageError {
  try {
    parseDockerConfig(text, WHERE);
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`parsed: ${text}`);
}

describe('docker-config', () => {
  it('reads auths as docker writes them: auth (base64 of user:password), split at the first colon', () => {
    const config = parseDockerConfig(JSON.stringify({ auths: { '127.0.0.1:5000': { auth: b64('ada:pa:ss') } } }), WHERE);
    expect(config.auths).to.deep.equal([{ key: '127.0.0.1:5000', username: 'ada', password: 'pa:ss' }]);
  });

  it('reads username/password, identitytoken, and an empty entry (a credsStore placeholder) as no credentials', () => {
    const config = parseDockerConfig(
      JSON.stringify({
        auths: { 'https://index.docker.io/v1/': { username: 'u', password: 'p' }, 'r.example': { identitytoken: 'tok' }, 'q.example': {} },
        credsStore: 'desktop',
        credHelpers: { 'x.example': 'ecr-login' },
        psFormat: 'table',
      }),
      WHERE,
    );
    expect(config.auths).to.deep.equal([
      { key: 'https://index.docker.io/v1/', username: 'u', password: 'p' },
      { key: 'r.example', identityToken: 'tok' },
      { key: 'q.example' },
    ]);
    expect(config.auths.map(hasCredentials)).to.deep.equal([true, true, false]);
    expect(config.credsStore).to.equal('desktop');
    expect(config.credHelpers).to.deep.equal({ 'x.example': 'ecr-login' });
  });

  it('takes auth over username/password, as docker does', () => {
    const config = parseDockerConfig(JSON.stringify({ auths: { h: { auth: b64('a:b'), username: 'c', password: 'd' } } }), WHERE);
    expect(config.auths[0]).to.deep.include({ username: 'a', password: 'b' });
  });

  it('accepts a file without auths, and null or empty fields', () => {
    expect(parseDockerConfig('{}', WHERE)).to.deep.equal({ auths: [], credHelpers: {} });
    expect(parseDockerConfig('{"auths": null, "credsStore": ""}', WHERE)).to.deep.equal({ auths: [], credHelpers: {} });
  });

  describe('a malformed file: one UsageError (exit 2) naming the file and the key, never a value', () => {
    const secret = 'S3cr3t-value';
    const cases: [string, string, RegExp][] = [
      ['not JSON, cut short', `{"auths": {"h": {"auth": "${b64(`u:${secret}`)}"`, /not valid JSON \(it ends too early\)$/],
      ['not JSON, a stray token', `{"auths": {"h": {"auth": "${secret}" x}}}`, /not valid JSON at line 1, column \d+$/],
      ['not JSON on line 3', `{\n  "auths": {\n    "h": {"password": "${secret}" "x"}}}`, /not valid JSON at line 3, column \d+$/],
      ['not JSON, a bare word (where JSON.parse quotes the text)', `{"auths": {"h": {"password": ${secret}}}}`, /not valid JSON$/],
      ['an array', '[]', /not a JSON object$/],
      ['auths not an object', '{"auths": "x"}', /"auths" is not an object$/],
      ['an entry not an object', '{"auths": {"h": "x"}}', /auths\["h"\] is not an object$/],
      ['auth not base64', `{"auths": {"h": {"auth": "${secret}!"}}}`, /auths\["h"\]\.auth is not the base64 of user:password$/],
      ['auth without a colon', `{"auths": {"h": {"auth": "${b64(secret)}"}}}`, /auths\["h"\]\.auth is not the base64 of user:password$/],
      ['a password that is a number', '{"auths": {"h": {"password": 12345}}}', /auths\["h"\]\.password is not a string$/],
      ['credHelpers with a path', '{"credHelpers": {"h": "../evil"}}', /credHelpers\["h"\] is not a helper name$/],
      ['credsStore not a string', '{"credsStore": 3}', /"credsStore" is not a helper name$/],
    ];
    for (const [what, text, pattern] of cases) {
      it(what, () => {
        const error = parseError(text);
        expect(error.exitCode).to.equal(2);
        expect(error.message).to.match(/^malformed Docker config file \/x\/config\.json: /);
        expect(error.message).to.match(pattern);
        expect(`${error.message} ${error.hint}`).to.not.contain(secret);
        expect(`${error.message} ${error.hint}`).to.not.contain(b64(`u:${secret}`));
        expect(error.message.split('\n')).to.have.length(1);
      });
    }
  });
});
