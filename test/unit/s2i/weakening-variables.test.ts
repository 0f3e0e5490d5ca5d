import { expect } from 'chai';
import { weakeningVariables } from '../../../src/s2i/weakening-variables.js';

const env = (pairs: Record<string, string>) => Object.entries(pairs).map(([name, value]) => ({ name, value }));

describe('weakeningVariables', () => {
  it('names JUPYTER_NO_AUTH=1, PASSWORD, PASSWORD_FILE and NOTEBOOK_ARGS that clear the token or password', () => {
    const found = weakeningVariables(
      env({ JUPYTER_NO_AUTH: '1', PASSWORD: 'x', PASSWORD_FILE: '/p', NOTEBOOK_ARGS: '--collaborative --ServerApp.token= --ip=0.0.0.0', GREETING: 'hi' }),
    );
    expect(found.map((f) => f.name)).to.deep.equal(['JUPYTER_NO_AUTH', 'PASSWORD', 'PASSWORD_FILE', 'NOTEBOOK_ARGS']);
    expect(found[0]?.effect).to.equal('turns authentication off');
  });

  for (const args of [
    "--NotebookApp.token=''",
    '--IdentityProvider.token=',
    '--NotebookApp.password ""',
    '--PasswordIdentityProvider.hashed_password=',
    '--ServerApp.token=""',
  ]) {
    it(`NOTEBOOK_ARGS=${args} clears the login`, () => {
      expect(weakeningVariables(env({ NOTEBOOK_ARGS: args }))).to.have.length(1);
    });
  }

  it('leaves alone JUPYTER_NO_AUTH other than 1, a token given a value, and other options', () => {
    const found = weakeningVariables(
      env({ JUPYTER_NO_AUTH: 'yes', NOTEBOOK_ARGS: '--ServerApp.token=abc123 --LabApp.default_url=/lab --ServerApp.password_required=True' }),
    );
    expect(found).to.deep.equal([]);
  });
});
