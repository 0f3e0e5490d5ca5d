import { expect } from 'chai';
import { ImageNotFoundError } from '../../../src/common/errors.js';
import { classifyPullFailure, PullFailedError, pullFailure, registryOf } from '../../../src/registry/pull-error.js';

describe('pull-error', () => {
  describe('classifyPullFailure', () => {
    // What Docker 20.10 says, as seen from a pull against a local registry and without a network.
    const notFound = [
      'manifest for 127.0.0.1:5000/x/nope:1 not found: manifest unknown: manifest unknown',
      "pull access denied for nope, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
      'repository name not known to registry: name unknown',
      'manifest unknown',
    ];
    const unreachable = [
      'Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused',
      'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.53:53: no such host',
      'Get "https://quay.io/v2/": net/http: TLS handshake timeout',
      'Get "https://r.example/v2/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
      'read tcp 127.0.0.1:4000->127.0.0.1:5000: read: connection reset by peer',
    ];
    for (const detail of notFound) it(`not-found: ${detail.slice(0, 50)}`, () => expect(classifyPullFailure(detail)).to.equal('not-found'));
    for (const detail of unreachable) it(`unreachable: ${detail.slice(0, 50)}`, () => expect(classifyPullFailure(detail)).to.equal('unreachable'));
    it('other: anything else', () => {
      expect(classifyPullFailure('unauthorized: authentication required')).to.equal('other');
      expect(classifyPullFailure('http: server gave HTTP response to HTTPS client')).to.equal('other');
    });
  });

  describe('registryOf', () => {
    it('finds the registry host as the engine does, docker.io by default', () => {
      expect(registryOf('127.0.0.1:5000/course/builder:1')).to.equal('127.0.0.1:5000');
      expect(registryOf('quay.io/jupyter/minimal-notebook')).to.equal('quay.io');
      expect(registryOf('localhost/x')).to.equal('localhost');
      expect(registryOf('jupyter/minimal-notebook')).to.equal('docker.io');
      expect(registryOf('ubuntu:22.04')).to.equal('docker.io');
    });
  });

  describe('pullFailure', () => {
    it('says "not found in the registry" for a missing image (exit 4)', () => {
      const error = pullFailure('127.0.0.1:5000/x/nope:1', 'manifest for 127.0.0.1:5000/x/nope:1 not found: manifest unknown: manifest unknown\n');
      expect(error).to.be.instanceOf(ImageNotFoundError).and.instanceOf(PullFailedError);
      expect(error.exitCode).to.equal(4);
      expect(error.kind).to.equal('not-found');
      expect(error.image).to.equal('127.0.0.1:5000/x/nope:1');
      expect(error.message).to.equal(
        'cannot pull 127.0.0.1:5000/x/nope:1: not found in the registry 127.0.0.1:5000 (manifest for 127.0.0.1:5000/x/nope:1 not found: manifest unknown: manifest unknown)',
      );
    });

    it('says the registry could not be reached when it is down (exit 4)', () => {
      const error = pullFailure('127.0.0.1:5000/x/b:1', 'Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused');
      expect(error.exitCode).to.equal(4);
      expect(error.kind).to.equal('unreachable');
      expect(error.message).to.match(/^cannot pull 127\.0\.0\.1:5000\/x\/b:1: the registry 127\.0\.0\.1:5000 could not be reached \(.*connection refused\)$/);
      expect(error.hint).to.include('127.0.0.1:5000 is running');
    });

    it('keeps the engine text on one line and credentials out of it', () => {
      const error = pullFailure('r.example/x:1', 'Get "https://ada:s3cret@r.example/v2/token":\n  unauthorized');
      expect(error.message).to.equal('cannot pull r.example/x:1: Get "https://***@r.example/v2/token": unauthorized');
      expect(error.message).to.not.include('s3cret');
    });
  });
});
