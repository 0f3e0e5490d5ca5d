import { expect } from 'chai';
import { gitEnvironment, splitCredentials } from '../../../src/source/git-env.js';

describe('git environment', () => {
  describe('splitCredentials', () => {
    it('moves the user-info of an https URL into a Basic Authorization header', () => {
      const split = splitCredentials('https://alice:p%40ss%2Fword@git.example.org/course.git');
      expect(split.url).to.equal('https://git.example.org/course.git');
      expect(split.authorization).to.equal(`Authorization: Basic ${Buffer.from('alice:p@ss/word').toString('base64')}`);
    });

    it('handles a token given as the user only', () => {
      const split = splitCredentials('https://ghp_token123@github.com/org/repo');
      expect(split.url).to.equal('https://github.com/org/repo');
      expect(split.authorization).to.equal(`Authorization: Basic ${Buffer.from('ghp_token123:').toString('base64')}`);
    });

    it('leaves URLs without credentials and non-http URLs alone', () => {
      expect(splitCredentials('https://github.com/org/repo')).to.deep.equal({ url: 'https://github.com/org/repo' });
      expect(splitCredentials('ssh://git@host/repo.git')).to.deep.equal({ url: 'ssh://git@host/repo.git' });
      expect(splitCredentials('git@host:repo.git')).to.deep.equal({ url: 'git@host:repo.git' });
    });
  });

  describe('gitEnvironment', () => {
    it('turns prompts off and drops variables that run programs', () => {
      const { env, allowEnvironment } = gitEnvironment({ PATH: '/bin', EDITOR: 'vi', PAGER: 'less', GIT_DIR: '/x', GIT_SSL_CAINFO: '/ca.pem' });
      expect(env).to.deep.equal({ PATH: '/bin', GIT_SSL_CAINFO: '/ca.pem', GIT_TERMINAL_PROMPT: '0' });
      expect(allowEnvironment).to.have.members(['GIT_SSL_CAINFO', 'GIT_TERMINAL_PROMPT']);
    });

    it('passes an Authorization header through GIT_CONFIG_* variables, never arguments', () => {
      const result = gitEnvironment({ PATH: '/bin' }, 'Authorization: Basic abc');
      expect(result.env).to.include({ GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: 'Authorization: Basic abc' });
      expect(result.allowEnvironment).to.include.members(['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0']);
      expect(result.allowUnsafeConfigEnvCount).to.equal(true);
      expect(gitEnvironment({ PATH: '/bin' }).allowUnsafeConfigEnvCount).to.equal(false);
    });

    it('scopes the header to the origin of the URL, so submodules or LFS stores elsewhere never get it', () => {
      const split = splitCredentials('https://alice:tok@git.example.org:8443/org/course.git');
      expect(split.scope).to.equal('https://git.example.org:8443/');
      const { env } = gitEnvironment({}, split.authorization, { authorizationScope: split.scope });
      expect(env).to.include({ GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.https://git.example.org:8443/.extraHeader' });
    });

    it('passes more configuration and variables through the environment, with the unsafe flags they need', () => {
      const result = gitEnvironment({ PATH: '/bin', GIT_LFS_SKIP_SMUDGE: '0' }, 'Authorization: Basic abc', {
        config: { 'protocol.file.allow': 'never', 'filter.lfs.process': '' },
        variables: { GIT_LFS_SKIP_SMUDGE: '1' },
      });
      expect(result.env).to.deep.equal({
        PATH: '/bin',
        GIT_TERMINAL_PROMPT: '0',
        GIT_CONFIG_COUNT: '3',
        GIT_CONFIG_KEY_0: 'http.extraHeader',
        GIT_CONFIG_VALUE_0: 'Authorization: Basic abc',
        GIT_CONFIG_KEY_1: 'protocol.file.allow',
        GIT_CONFIG_VALUE_1: 'never',
        GIT_CONFIG_KEY_2: 'filter.lfs.process',
        GIT_CONFIG_VALUE_2: '',
        GIT_LFS_SKIP_SMUDGE: '1',
      });
      expect(result.allowEnvironment).to.include.members(['GIT_CONFIG_KEY_2', 'GIT_CONFIG_VALUE_2', 'GIT_LFS_SKIP_SMUDGE']);
      expect(result.unsafe).to.deep.equal({
        allowUnsafeSshCommand: false,
        allowUnsafeConfigEnvCount: true,
        allowUnsafeProtocolOverride: true,
        allowUnsafeFilter: true,
      });
      expect(gitEnvironment({}).unsafe).to.deep.equal({
        allowUnsafeSshCommand: false,
        allowUnsafeConfigEnvCount: false,
        allowUnsafeProtocolOverride: false,
        allowUnsafeFilter: false,
      });
    });

    it("honours a user's GIT_SSH_COMMAND", () => {
      const result = gitEnvironment({ GIT_SSH_COMMAND: 'ssh -i key' });
      expect(result.env.GIT_SSH_COMMAND).to.equal('ssh -i key');
      expect(result.allowUnsafeSshCommand).to.equal(true);
    });
  });
});
