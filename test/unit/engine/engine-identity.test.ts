import { expect } from 'chai';
import type Docker from 'dockerode';
import { createEngine } from '../../../src/engine/engine.js';
import { describeIdentity, identityOf } from '../../../src/engine/engine-identity.js';
import { DOCKER_20_10, PODMAN_4_3 } from '../../support/unit/engine-versions.js';
import { EngineUnreachableError } from '../../../src/common/errors.js';

function dockerAnswering(answer: () => Promise<unknown>, seen: unknown[] = []): Docker {
  return {
    version: (options: unknown) => {
      seen.push(options);
      return answer();
    },
  } as unknown as Docker;
}

describe('engine-identity', () => {
  describe('identityOf', () => {
    it('tells Docker 20.10 by its components', () => {
      expect(identityOf(DOCKER_20_10)).to.deep.equal({
        kind: 'docker',
        name: 'Docker',
        version: '20.10.24+dfsg1',
        apiVersion: '1.41',
        os: 'linux',
        arch: 'amd64',
        platform: '',
      });
    });

    it('tells Podman 4.3 by its "Podman Engine" component, with that component\'s version', () => {
      expect(identityOf({ ...PODMAN_4_3, Version: '4.3.1-top' })).to.deep.equal({
        kind: 'podman',
        name: 'Podman',
        version: '4.3.1',
        apiVersion: '1.41',
        os: 'linux',
        arch: 'amd64',
        platform: 'linux/amd64/debian-12',
      });
    });

    it('takes an answer without components, or with odd ones, as Docker', () => {
      expect(identityOf({ Version: '19.03.1', ApiVersion: '1.40' })).to.include({ kind: 'docker', version: '19.03.1', apiVersion: '1.40', platform: '' });
      expect(identityOf({ Components: [{ Name: 'Engine podman-like' }, {} as never, null as never], Version: '1' }).kind).to.equal('docker');
      expect(identityOf({}).version).to.equal('');
    });
  });

  describe('describeIdentity', () => {
    it('names the engine, its version, API version, platform and endpoint', () => {
      expect(describeIdentity(identityOf(PODMAN_4_3), 'unix:///run/podman/podman.sock')).to.equal(
        'Podman 4.3.1 (API 1.41, linux/amd64/debian-12) at unix:///run/podman/podman.sock',
      );
      expect(describeIdentity(identityOf(DOCKER_20_10), 'unix:///var/run/docker.sock')).to.equal(
        'Docker 20.10.24+dfsg1 (API 1.41) at unix:///var/run/docker.sock',
      );
    });
  });

  describe('Engine.identify', () => {
    it('asks GET /version once per engine, with the signal, and keeps the answer', async () => {
      const seen: unknown[] = [];
      const engine = createEngine({ env: {}, docker: dockerAnswering(async () => PODMAN_4_3, seen) });
      const signal = new AbortController().signal;
      expect((await engine.identify(signal)).kind).to.equal('podman');
      expect((await engine.identify()).version).to.equal('4.3.1');
      expect(seen).to.deep.equal([{ abortSignal: signal }]);
      const other = createEngine({ env: {}, docker: dockerAnswering(async () => DOCKER_20_10, seen) });
      expect((await other.identify()).kind).to.equal('docker');
      expect(seen).to.have.length(2);
    });

    it('maps an unreachable engine to EngineUnreachableError and asks again next time', async () => {
      let calls = 0;
      const engine = createEngine({
        env: {},
        docker: dockerAnswering(async () => {
          calls++;
          if (calls === 1) throw Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' });
          return DOCKER_20_10;
        }),
      });
      const error = await engine.identify().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(EngineUnreachableError);
      expect((await engine.identify()).kind).to.equal('docker');
      expect(calls).to.equal(2);
    });

    it('answers an injected identity without asking', async () => {
      const engine = createEngine({ env: {}, docker: {} as Docker, identity: identityOf(PODMAN_4_3) });
      expect((await engine.identify()).kind).to.equal('podman');
    });
  });
});
