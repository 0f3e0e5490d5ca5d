/** The engines' answers to GET /version, as Docker 20.10 and Podman 4.3.1 give them. */
import type { VersionJson } from '../../../src/engine/engine-identity.js';

/** GET /version of Docker 20.10 (Debian's docker.io). */
export const DOCKER_20_10: VersionJson = {
  Platform: { Name: '' },
  Components: [
    { Name: 'Engine', Version: '20.10.24+dfsg1' },
    { Name: 'containerd', Version: '1.6.20~ds1' },
    { Name: 'runc', Version: '1.1.5+ds1' },
    { Name: 'docker-init', Version: '0.19.0' },
  ],
  Version: '20.10.24+dfsg1',
  ApiVersion: '1.41',
  MinAPIVersion: '1.12',
  Os: 'linux',
  Arch: 'amd64',
} as VersionJson;

/** GET /version of Podman 4.3.1's Docker-compatible API (compat VersionHandler). */
export const PODMAN_4_3: VersionJson = {
  Platform: { Name: 'linux/amd64/debian-12' },
  Components: [
    { Name: 'Podman Engine', Version: '4.3.1', Details: { APIVersion: '4.3.1', MinAPIVersion: '4.0.0' } },
    { Name: 'Conmon', Version: 'conmon version 2.1.6' },
    { Name: 'OCI Runtime (runc)', Version: 'runc version 1.1.5' },
  ],
  Version: '4.3.1',
  ApiVersion: '1.41',
  MinAPIVersion: '1.24',
  Os: 'linux',
  Arch: 'amd64',
} as VersionJson;
