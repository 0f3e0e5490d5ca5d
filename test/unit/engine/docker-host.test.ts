import { expect } from 'chai';
import { describeDockerHost, dockerConnectOptions, parseDockerHost, resolveDockerHost } from '../../../src/engine/docker-host.js';
import { usageErrorOf } from '../../support/unit/helpers.js';

const HOME = '/home/ada';

const usageError = usageErrorOf;

describe('docker-host', () => {
  describe('resolveDockerHost', () => {
    it('leaves the default local socket to dockerode when nothing is given and no socket is found', () => {
      const host = resolveDockerHost(undefined, {}, HOME, [{ path: '/nonexistent/docker.sock', label: 'the Docker socket' }]);
      expect(host).to.deep.equal({
        kind: 'dockerode',
        url: 'unix:///var/run/docker.sock',
        source: 'neither --docker-host nor DOCKER_HOST is set, and there is no socket at /nonexistent/docker.sock',
      });
      expect(dockerConnectOptions(host)).to.equal(undefined);
    });

    it('reads DOCKER_HOST, and --docker-host overrides it', () => {
      const env = { DOCKER_HOST: 'tcp://10.1.2.3:2375' };
      expect(resolveDockerHost(undefined, env, HOME)).to.deep.equal({ kind: 'tcp', url: 'tcp://10.1.2.3:2375', host: '10.1.2.3', port: 2375 });
      expect(resolveDockerHost('unix:///run/user/docker.sock', env, HOME)).to.deep.equal({
        kind: 'unix',
        url: 'unix:///run/user/docker.sock',
        socketPath: '/run/user/docker.sock',
      });
    });

    it('does not read a malformed DOCKER_HOST when --docker-host is given', () => {
      expect(resolveDockerHost('tcp://127.0.0.1:1', { DOCKER_HOST: 'bogus://x' }, HOME).url).to.equal('tcp://127.0.0.1:1');
    });

    it('leaves ssh:// and npipe:// in DOCKER_HOST to dockerode', () => {
      expect(resolveDockerHost(undefined, { DOCKER_HOST: 'ssh://ada@build-host' }, HOME)).to.deep.equal({ kind: 'dockerode', url: 'ssh://ada@build-host' });
      expect(resolveDockerHost(undefined, { DOCKER_HOST: 'npipe:////./pipe/docker_engine' }, HOME).kind).to.equal('dockerode');
    });
  });

  describe('parseDockerHost', () => {
    it('parses tcp URLs, with the default ports 2375 (plain) and 2376 (TLS)', () => {
      expect(parseDockerHost('tcp://127.0.0.1:2999', '--docker-host', {}, HOME)).to.deep.equal({
        kind: 'tcp',
        url: 'tcp://127.0.0.1:2999',
        host: '127.0.0.1',
        port: 2999,
      });
      expect(parseDockerHost('tcp://engine.example', '--docker-host', {}, HOME)).to.include({ url: 'tcp://engine.example:2375', port: 2375 });
      expect(parseDockerHost('tcp://engine.example', '--docker-host', { DOCKER_TLS_VERIFY: '1' }, HOME)).to.include({
        url: 'tcp://engine.example:2376',
        port: 2376,
      });
      expect(parseDockerHost('engine.example:4243', 'DOCKER_HOST', {}, HOME)).to.include({ kind: 'tcp', url: 'tcp://engine.example:4243', port: 4243 });
      expect(parseDockerHost('tcp://[::1]:2375', '--docker-host', {}, HOME)).to.include({ host: '::1', port: 2375 });
    });

    it('turns TLS on with DOCKER_TLS_VERIFY or DOCKER_CERT_PATH, certificates from DOCKER_CERT_PATH or ~/.docker', () => {
      expect(parseDockerHost('tcp://h:1', '--docker-host', { DOCKER_TLS_VERIFY: '1' }, HOME)).to.deep.include({ tls: { certPath: '/home/ada/.docker' } });
      expect(parseDockerHost('tcp://h:1', '--docker-host', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }, HOME)).to.deep.include({
        tls: { certPath: '/certs' },
      });
      expect(parseDockerHost('tcp://h:1', '--docker-host', { DOCKER_CERT_PATH: '/certs' }, HOME)).to.deep.include({ tls: { certPath: '/certs' } });
      for (const off of ['', '0', 'false']) {
        expect(parseDockerHost('tcp://h:1', '--docker-host', { DOCKER_TLS_VERIFY: off }, HOME), off).to.not.have.property('tls');
      }
    });

    it('refuses unsupported schemes and malformed URLs with a UsageError (exit 2)', () => {
      for (const value of ['ssh://ada@host', 'npipe:////./pipe/docker_engine', 'http://h:1', 'fd://']) {
        const error = usageError(() => parseDockerHost(value, '--docker-host', {}, HOME));
        expect(error.exitCode).to.equal(2);
        expect(error.message).to.match(/^unsupported --docker-host scheme/);
        expect(error.hint).to.include('tcp://HOST:PORT');
      }
      for (const value of ['unix://relative.sock', 'unix://', 'tcp://', 'tcp://h:1/path', 'tcp://h:notaport']) {
        expect(usageError(() => parseDockerHost(value, '--docker-host', {}, HOME)).message, value).to.match(/^invalid --docker-host/);
      }
      expect(usageError(() => parseDockerHost('bogus://x', 'DOCKER_HOST', {}, HOME)).message).to.match(/^unsupported DOCKER_HOST scheme bogus:\/\//);
    });

    it('keeps credentials out of its messages', () => {
      const error = usageError(() => parseDockerHost('ssh://ada:s3cret@host', '--docker-host', {}, HOME));
      expect(error.message).to.not.include('s3cret');
    });
  });

  describe('dockerConnectOptions', () => {
    it('gives a socket path for unix and plain http for tcp', () => {
      expect(dockerConnectOptions(parseDockerHost('unix:///x.sock', '--docker-host', {}, HOME))).to.deep.equal({ socketPath: '/x.sock' });
      expect(dockerConnectOptions(parseDockerHost('tcp://127.0.0.1:2999', '--docker-host', {}, HOME))).to.deep.equal({
        protocol: 'http',
        host: '127.0.0.1',
        port: 2999,
      });
    });

    it('gives https with ca.pem, cert.pem and key.pem from the certificate directory', () => {
      const read: string[] = [];
      const options = dockerConnectOptions(
        parseDockerHost('tcp://127.0.0.1:2376', '--docker-host', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }, HOME),
        (path) => {
          read.push(path);
          return Buffer.from(`contents of ${path}`);
        },
      );
      expect(read).to.deep.equal(['/certs/ca.pem', '/certs/cert.pem', '/certs/key.pem']);
      expect(options?.protocol).to.equal('https');
      expect(options?.ca?.toString()).to.equal('contents of /certs/ca.pem');
      expect(options?.cert?.toString()).to.equal('contents of /certs/cert.pem');
      expect(options?.key?.toString()).to.equal('contents of /certs/key.pem');
    });

    it('reports a missing certificate file as a UsageError naming it', () => {
      const host = parseDockerHost('tcp://127.0.0.1:2376', '--docker-host', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nowhere' }, HOME);
      const error = usageError(() =>
        dockerConnectOptions(host, () => {
          throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
        }),
      );
      expect(error.message).to.equal('cannot read /nowhere/ca.pem for TLS to tcp://127.0.0.1:2376 (ENOENT)');
      expect(error.hint).to.include('DOCKER_CERT_PATH');
    });
  });

  describe('describeDockerHost', () => {
    it('shows the URL, and (TLS) when TLS is used', () => {
      expect(describeDockerHost(parseDockerHost('tcp://h:1', '--docker-host', {}, HOME))).to.equal('tcp://h:1');
      expect(describeDockerHost(parseDockerHost('tcp://h:1', '--docker-host', { DOCKER_TLS_VERIFY: '1' }, HOME))).to.equal('tcp://h:1 (TLS)');
      expect(describeDockerHost({ kind: 'dockerode', url: 'ssh://ada:pw@h' })).to.equal('ssh://***@h');
    });
  });
});
