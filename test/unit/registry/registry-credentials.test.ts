import { expect } from 'chai';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CredentialHelperError, credentialsFromHelper } from '../../../src/registry/credential-helper.js';
import { parseDockerConfig } from '../../../src/registry/docker-config.js';
import { UsageError } from '../../../src/common/errors.js';
import { pushTargetOf } from '../../../src/registry/push-target.js';
import {
  dockerConfigPath,
  findCredentials,
  loadCredentialSources,
  secretsOf,
  type CredentialSource,
  type HelperGet,
} from '../../../src/registry/registry-credentials.js';
import { tempDir } from '../../support/unit/helpers.js';

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const temp = await tempDir();
  try {
    await run(temp.dir);
  } finally {
    await temp.remove();
  }
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const source = (name: string, config: object): CredentialSource => ({ name, config: parseDockerConfig(JSON.stringify(config), name) });
const auth = (user: string, password: string) => ({ auth: b64(`${user}:${password}`) });
const noHelper: HelperGet = async () => {
  throw new Error('no helper expected');
};

/** A helper runner that answers from a table and records what it was asked. */
function helpers(table: Record<string, Record<string, { username: string; secret: string }>>) {
  const asked: string[] = [];
  const get: HelperGet = async (helper, server) => {
    asked.push(`${helper} ${server}`);
    return table[helper]?.[server];
  };
  return { asked, get };
}

describe('registry-credentials', () => {
  describe('findCredentials: which entry', () => {
    const target = pushTargetOf('127.0.0.1:5000/course/notes:1');

    it('matches the registry host, with or without a scheme or a path, as docker writes keys', async () => {
      for (const key of ['127.0.0.1:5000', 'http://127.0.0.1:5000', 'https://127.0.0.1:5000/v2/', '127.0.0.1:5000/']) {
        const found = await findCredentials(target, [source('f', { auths: { [key]: auth('ada', 'pw') } })], noHelper);
        expect(found, key).to.deep.equal({ username: 'ada', password: 'pw', serverAddress: '127.0.0.1:5000', from: 'f' });
      }
    });

    it('does not match another port or host', async () => {
      const found = await findCredentials(
        target,
        [source('f', { auths: { '127.0.0.1:5001': auth('a', 'b'), '127.0.0.1': auth('a', 'b'), 'localhost:5000': auth('a', 'b') } })],
        noHelper,
      );
      expect(found).to.equal(undefined);
    });

    it('takes the most specific podman-style namespace key', async () => {
      const config = {
        auths: {
          '127.0.0.1:5000': auth('host', '1'),
          '127.0.0.1:5000/course': auth('ns', '2'),
          '127.0.0.1:5000/course/notes': auth('repo', '3'),
          '127.0.0.1:5000/other': auth('x', '4'),
        },
      };
      expect((await findCredentials(target, [source('f', config)], noHelper))?.username).to.equal('repo');
      expect((await findCredentials(pushTargetOf('127.0.0.1:5000/course/slides'), [source('f', config)], noHelper))?.username).to.equal('ns');
      expect((await findCredentials(pushTargetOf('127.0.0.1:5000/coursework'), [source('f', config)], noHelper))?.username).to.equal('host');
    });

    it('Docker Hub: https://index.docker.io/v1/ (docker), docker.io (podman), a name without host', async () => {
      for (const key of ['https://index.docker.io/v1/', 'docker.io', 'index.docker.io', 'docker.io/library']) {
        const found = await findCredentials(pushTargetOf('my-course'), [source('f', { auths: { [key]: auth('hub', 'pw') } })], noHelper);
        expect(found, key).to.deep.include({ username: 'hub', serverAddress: 'https://index.docker.io/v1/' });
      }
      expect(
        await findCredentials(pushTargetOf('quay.io/x/y'), [source('f', { auths: { 'https://index.docker.io/v1/': auth('hub', 'pw') } })], noHelper),
      ).to.equal(undefined);
    });

    it('a key without a scheme whose path is v1 or v2 names the host only, as docker writes it', async () => {
      for (const key of ['index.docker.io/v1/', 'index.docker.io/v1', 'docker.io/v2/']) {
        const found = await findCredentials(pushTargetOf('me/course'), [source('f', { auths: { [key]: auth('hub', 'pw') } })], noHelper);
        expect(found, key).to.deep.include({ username: 'hub', serverAddress: 'https://index.docker.io/v1/' });
      }
      for (const key of ['registry.example.org/v2/', 'registry.example.org/v2', 'registry.example.org/v1/']) {
        const found = await findCredentials(pushTargetOf('registry.example.org/team/course'), [source('f', { auths: { [key]: auth('r', 'pw') } })], noHelper);
        expect(found, key).to.deep.include({ username: 'r', serverAddress: 'registry.example.org' });
      }
      // And the namespace v2 of a podman key does not shadow a more specific one.
      const config = { auths: { 'registry.example.org/v2/': auth('host', '1'), 'registry.example.org/team': auth('team', '2') } };
      expect((await findCredentials(pushTargetOf('registry.example.org/team/course'), [source('f', config)], noHelper))?.username).to.equal('team');
    });

    it('when no key names the repository, one with another path is matched by its host, as docker does', async () => {
      const config = { auths: { 'registry.example.org/other': auth('other', '1'), 'elsewhere.example/team': auth('x', '2') } };
      const found = await findCredentials(pushTargetOf('registry.example.org/team/course'), [source('f', config)], noHelper);
      expect(found).to.deep.include({ username: 'other', serverAddress: 'registry.example.org', from: 'f' });
      // A podman-style key for the repository still wins over the host fallback, wherever it is in the file.
      const both = { auths: { 'registry.example.org/other': auth('other', '1'), 'registry.example.org/team': auth('team', '2') } };
      expect((await findCredentials(pushTargetOf('registry.example.org/team/course'), [source('f', both)], noHelper))?.username).to.equal('team');
      // credHelpers keys as well.
      const hub = helpers({ ecr: { 'registry.example.org': { username: 'h', secret: 's' } } });
      const viaHelper = await findCredentials(
        pushTargetOf('registry.example.org/team/course'),
        [source('f', { credHelpers: { 'registry.example.org/v2/': 'ecr' } })],
        hub.get,
      );
      expect(viaHelper).to.deep.include({ username: 'h', from: 'docker-credential-ecr (credHelpers in f)' });
    });

    it('passes an identity token on', async () => {
      const found = await findCredentials(target, [source('f', { auths: { '127.0.0.1:5000': { identitytoken: 'tok' } } })], noHelper);
      expect(found).to.deep.equal({ identityToken: 'tok', serverAddress: '127.0.0.1:5000', from: 'f' });
    });
  });

  describe('findCredentials: precedence', () => {
    const target = pushTargetOf('r.example/x:1');

    it('the first source with credentials for the registry wins; one without them is passed over', async () => {
      const sources = [
        source('DOCKER_AUTH_CONFIG', { auths: { 'other.example': auth('o', 'o') } }),
        source('auth.json', { auths: { 'r.example': {} } }),
        source('config.json', { auths: { 'r.example': auth('c', 'c') } }),
        source('last', { auths: { 'r.example': auth('l', 'l') } }),
      ];
      expect(await findCredentials(target, sources, noHelper)).to.deep.include({ username: 'c', from: 'config.json' });
    });

    it('within a source: credHelpers, then credsStore, then auths; a helper with nothing is passed over', async () => {
      const config = { credHelpers: { 'r.example': 'special' }, credsStore: 'store', auths: { 'r.example': auth('file', 'f') } };
      const all = helpers({ special: { 'r.example': { username: 'h', secret: 's1' } }, store: { 'r.example': { username: 'st', secret: 's2' } } });
      expect(await findCredentials(target, [source('c', config)], all.get)).to.deep.equal({
        username: 'h',
        password: 's1',
        serverAddress: 'r.example',
        from: 'docker-credential-special (credHelpers in c)',
      });
      const storeOnly = helpers({ store: { 'r.example': { username: 'st', secret: 's2' } } });
      expect(await findCredentials(target, [source('c', config)], storeOnly.get)).to.deep.include({
        username: 'st',
        from: 'docker-credential-store (credsStore in c)',
      });
      expect(storeOnly.asked).to.deep.equal(['special r.example', 'store r.example']);
      const none = helpers({});
      expect(await findCredentials(target, [source('c', config)], none.get)).to.deep.include({ username: 'file', from: 'c' });
    });

    it('asks a helper for Docker Hub as docker does (https://index.docker.io/v1/); <token> means an identity token', async () => {
      const hub = helpers({ desktop: { 'https://index.docker.io/v1/': { username: '<token>', secret: 'idtok' } } });
      const found = await findCredentials(pushTargetOf('me/course'), [source('c', { credsStore: 'desktop' })], hub.get);
      expect(found).to.deep.equal({
        identityToken: 'idtok',
        serverAddress: 'https://index.docker.io/v1/',
        from: 'docker-credential-desktop (credsStore in c)',
      });
    });

    it('a helper that is missing or fails is passed over (reported), for the auths entry, the next source, or none', async () => {
      const failing: HelperGet = async (helper, server, from) => {
        if (helper === 'desktop') throw new CredentialHelperError('docker-credential-desktop', from, 'is not installed (not on PATH)', 'install it');
        if (helper === 'broken') throw new CredentialHelperError('docker-credential-broken', from, `failed for ${server} (exit code 1)`, 'check it');
        return undefined;
      };
      const failed: string[] = [];
      const sources = [
        source('DOCKER_AUTH_CONFIG', { credsStore: 'desktop' }),
        source('/c/config.json', { credHelpers: { 'r.example': 'broken' }, auths: { 'r.example': auth('file', 'f') } }),
      ];
      expect(await findCredentials(target, sources, failing, (e) => failed.push(e.message))).to.deep.include({ username: 'file', from: '/c/config.json' });
      expect(failed).to.deep.equal([
        'the credential helper docker-credential-desktop (credsStore in DOCKER_AUTH_CONFIG) is not installed (not on PATH)',
        'the credential helper docker-credential-broken (credHelpers in /c/config.json) failed for r.example (exit code 1)',
      ]);
      // Nothing else anywhere: no credentials (an anonymous push), not an error.
      expect(await findCredentials(target, [source('c', { credsStore: 'desktop' })], failing)).to.equal(undefined);
    });

    it("an error that is not a helper's failure (an interruption, a bug) is not passed over", async () => {
      const interrupted: HelperGet = async () => {
        throw new Error('boom');
      };
      const error = await findCredentials(target, [source('c', { credsStore: 'x' })], interrupted).catch((e: Error) => e);
      expect((error as Error).message).to.equal('boom');
    });

    it('none anywhere: undefined', async () => {
      expect(await findCredentials(target, [], noHelper)).to.equal(undefined);
    });
  });

  describe('loadCredentialSources', () => {
    const files = (table: Record<string, string>) => async (path: string) => table[path];
    const config = JSON.stringify({ auths: { h: auth('a', 'b') } });

    it('DOCKER_AUTH_CONFIG, then REGISTRY_AUTH_FILE, then $DOCKER_CONFIG/config.json', async () => {
      const sources = await loadCredentialSources(
        { DOCKER_AUTH_CONFIG: config, REGISTRY_AUTH_FILE: '/run/auth.json', DOCKER_CONFIG: '/cfg', HOME: '/home/u' },
        files({ '/run/auth.json': config, '/cfg/config.json': config, '/home/u/.docker/config.json': config }),
      );
      expect(sources.map((s) => s.name)).to.deep.equal(['DOCKER_AUTH_CONFIG', '/run/auth.json (REGISTRY_AUTH_FILE)', '/cfg/config.json']);
    });

    it('~/.docker/config.json without DOCKER_CONFIG; a missing one or empty variables are no source', async () => {
      expect(dockerConfigPath({ HOME: '/home/u' })).to.equal('/home/u/.docker/config.json');
      expect(
        (
          await loadCredentialSources({ HOME: '/home/u', DOCKER_AUTH_CONFIG: ' ', REGISTRY_AUTH_FILE: '' }, files({ '/home/u/.docker/config.json': config }))
        ).map((s) => s.name),
      ).to.deep.equal(['/home/u/.docker/config.json']);
      expect(await loadCredentialSources({ HOME: '/home/u' }, files({}))).to.deep.equal([]);
    });

    it('a malformed source is an error naming it, even when an earlier one would do', async () => {
      const env = { DOCKER_AUTH_CONFIG: config, DOCKER_CONFIG: '/cfg' };
      const error = await loadCredentialSources(env, files({ '/cfg/config.json': '{"auths": {' })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.equal('malformed Docker config file /cfg/config.json: not valid JSON (it ends too early)');
      const bad = await loadCredentialSources({ DOCKER_AUTH_CONFIG: '{"auths": []}' }, files({})).catch((e: Error) => e.message);
      expect(bad).to.equal('malformed DOCKER_AUTH_CONFIG (the content of a Docker config file): "auths" is not an object');
    });

    it('a REGISTRY_AUTH_FILE that does not exist is an error', async () => {
      const error = await loadCredentialSources({ REGISTRY_AUTH_FILE: '/nope/auth.json', HOME: '/h' }, files({})).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.equal('REGISTRY_AUTH_FILE names /nope/auth.json, which does not exist');
    });

    it('reads real files (an unreadable path is an error naming it)', async () => {
      await withTempDir(async (dir) => {
        await writeFile(join(dir, 'config.json'), config);
        expect((await loadCredentialSources({ DOCKER_CONFIG: dir })).map((s) => s.name)).to.deep.equal([join(dir, 'config.json')]);
        await mkdir(join(dir, 'sub', 'config.json'), { recursive: true });
        const error = await loadCredentialSources({ DOCKER_CONFIG: join(dir, 'sub') }).catch((e: Error) => e);
        expect(error).to.be.instanceOf(UsageError);
        expect((error as Error).message).to.equal(`cannot read ${join(dir, 'sub', 'config.json')} (EISDIR)`);
      });
    });
  });

  describe('secretsOf', () => {
    it('lists the password, the token, user:password and their base64, longest first', () => {
      const secrets = secretsOf({ username: 'ada', password: 'pw-123', serverAddress: 'h', from: 'f' });
      expect(secrets).to.have.members(['pw-123', b64('pw-123'), 'ada:pw-123', b64('ada:pw-123')]);
      expect(secrets.map((s) => s.length)).to.deep.equal([...secrets.map((s) => s.length)].sort((a, b) => b - a));
      expect(secretsOf(undefined)).to.deep.equal([]);
    });
  });

  describe('credentialsFromHelper (a real program on PATH)', () => {
    /** Writes docker-credential-<name> into `dir` as a shell script. */
    async function helper(dir: string, name: string, script: string): Promise<void> {
      const path = join(dir, `docker-credential-${name}`);
      await writeFile(path, `#!/bin/sh\n${script}\n`);
      await chmod(path, 0o755);
    }
    const env = (dir: string) => ({ ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` });

    it('sends the server on stdin and "get" as the only argument; reads Username and Secret', async () => {
      await withTempDir(async (dir) => {
        // Records its arguments and input, so the test sees what reached the command line.
        await helper(dir, 'fake', `echo "$@" > "${dir}/args"; cat > "${dir}/stdin"; printf '{"ServerURL":"x","Username":"ada","Secret":"s3cret"}'`);
        const found = await credentialsFromHelper('fake', '127.0.0.1:5000', { env: env(dir), from: 'credsStore in c' });
        expect(found).to.deep.equal({ username: 'ada', secret: 's3cret' });
        expect(await readFile(join(dir, 'args'), 'utf8')).to.equal('get\n');
        expect(await readFile(join(dir, 'stdin'), 'utf8')).to.equal('127.0.0.1:5000');
      });
    });

    it('"credentials not found" (exit 1) is no credentials', async () => {
      await withTempDir(async (dir) => {
        await helper(dir, 'empty', 'cat >/dev/null; echo "credentials not found in native keychain"; exit 1');
        expect(await credentialsFromHelper('empty', 'h', { env: env(dir), from: 'c' })).to.equal(undefined);
      });
    });

    it('a helper that is not installed, fails or answers garbage: one UsageError naming it and where it was set', async () => {
      await withTempDir(async (dir) => {
        await helper(dir, 'broken', 'cat >/dev/null; echo "keychain locked" >&2; exit 3');
        await helper(dir, 'garbage', 'cat >/dev/null; echo "not json"');
        const failure = (name: string) => credentialsFromHelper(name, 'h', { env: env(dir), from: 'credsStore in /c/config.json' }).catch((e: unknown) => e);
        const missing = await failure('absent-xyz');
        expect(missing).to.be.instanceOf(UsageError);
        expect((missing as Error).message).to.equal(
          'the credential helper docker-credential-absent-xyz (credsStore in /c/config.json) is not installed (not on PATH)',
        );
        expect(((await failure('broken')) as Error).message).to.equal(
          'the credential helper docker-credential-broken (credsStore in /c/config.json) failed for h (exit code 3: keychain locked)',
        );
        expect(((await failure('garbage')) as Error).message).to.equal(
          'the credential helper docker-credential-garbage (credsStore in /c/config.json) gave an answer for h that is not JSON',
        );
        // Nothing was left next to the helpers.
        expect((await readdir(dir)).sort()).to.deep.equal(['docker-credential-broken', 'docker-credential-garbage']);
      });
    });

    it('a helper that prints its answer and then fails: the answer and its secret are not in the error', async () => {
      await withTempDir(async (dir) => {
        const answer = '{"ServerURL":"h","Username":"ci-user","Secret":"s3cr3t-Value"}';
        await helper(dir, 'leaky', `cat >/dev/null; echo '${answer}'; exit 1`);
        await helper(dir, 'leakyerr', `cat >/dev/null; echo '${answer}'; echo 'store failed after {"Secret": "s3cr3t-Value"} for ci-user' >&2; exit 1`);
        await helper(dir, 'saysecret', `cat >/dev/null; echo 'Secret=s3cr3t-Value rejected' >&2; echo 'plain words'; exit 1`);
        await helper(dir, 'json-stderr', `cat >/dev/null; echo '${answer}' >&2; exit 1`);
        await helper(dir, 'stdout-only', 'cat >/dev/null; echo "pass not initialized: exit status 1"; exit 1');
        const message = async (name: string) => {
          const error = await credentialsFromHelper(name, 'h', { env: env(dir), from: 'credsStore in /c/config.json' }).catch((e: unknown) => e);
          expect(error, name).to.be.instanceOf(CredentialHelperError);
          const text = `${(error as Error).message} ${(error as UsageError).hint ?? ''}`;
          expect(text, name).to.not.match(/s3cr3t|ci-user|ServerURL/);
          return (error as Error).message;
        };
        expect(await message('leaky')).to.equal('the credential helper docker-credential-leaky (credsStore in /c/config.json) failed for h (exit code 1)');
        // Its stderr is quoted, the values of its answer and of a "Secret" field masked.
        expect(await message('leakyerr')).to.equal(
          'the credential helper docker-credential-leakyerr (credsStore in /c/config.json) failed for h (exit code 1: store failed after {"Secret": ***} for ***)',
        );
        expect(await message('saysecret')).to.equal(
          'the credential helper docker-credential-saysecret (credsStore in /c/config.json) failed for h (exit code 1: Secret=*** rejected)',
        );
        expect(await message('json-stderr')).to.equal(
          'the credential helper docker-credential-json-stderr (credsStore in /c/config.json) failed for h (exit code 1)',
        );
        // What a helper says on stdout when it has no answer (docker's helpers do so) is still quoted.
        expect(await message('stdout-only')).to.equal(
          'the credential helper docker-credential-stdout-only (credsStore in /c/config.json) failed for h (exit code 1: pass not initialized: exit status 1)',
        );
      });
    });
  });
});
