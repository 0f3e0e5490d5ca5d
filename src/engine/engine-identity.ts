/**
 * Which engine answers: Docker or Podman (through its Docker-compatible API), told from the
 * engine's `GET /version`. Podman answers Docker's shape, with a component named "Podman Engine";
 * Docker's components are "Engine", "containerd", "runc"… Only engine/ acts on the kind; callers
 * above print it.
 */

export type EngineKind = 'docker' | 'podman';

export interface EngineIdentity {
  kind: EngineKind;
  name: 'Docker' | 'Podman';
  /** The engine's own version: "20.10.24+dfsg1", "4.3.1". */
  version: string;
  /** The Docker API version it serves: "1.41". */
  apiVersion: string;
  os: string;
  arch: string;
  /** Platform.Name as reported: "" or "Docker Engine - Community", "linux/amd64/debian-12" on Podman. */
  platform: string;
}

/** The fields of `GET /version` read here (Docker's shape; Podman answers the same). */
export interface VersionJson {
  Version?: string;
  ApiVersion?: string;
  Os?: string;
  Arch?: string;
  Platform?: { Name?: string };
  Components?: { Name?: string; Version?: string }[];
}

/** Podman when a component's name starts with "Podman"; Docker otherwise. */
export function identityOf(json: VersionJson): EngineIdentity {
  const podman = (json.Components ?? []).find((c) => typeof c?.Name === 'string' && c.Name.startsWith('Podman'));
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    kind: podman ? 'podman' : 'docker',
    name: podman ? 'Podman' : 'Docker',
    version: text(podman?.Version) || text(json.Version),
    apiVersion: text(json.ApiVersion),
    os: text(json.Os),
    arch: text(json.Arch),
    platform: text(json.Platform?.Name),
  };
}

/** "Podman 4.3.1 (API 1.41, linux/amd64/debian-12) at unix:///run/podman/podman.sock". */
export function describeIdentity(identity: EngineIdentity, endpoint: string): string {
  const details = [`API ${identity.apiVersion || 'unknown'}`, ...(identity.platform ? [identity.platform] : [])];
  return `${identity.name} ${identity.version || '(version unknown)'} (${details.join(', ')}) at ${endpoint}`;
}
