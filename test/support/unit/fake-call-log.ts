/** The calls made to fake engine clients, in order (see fake-engine.ts). */
import type { ArchiveClient } from '../../../src/engine/archive-client.js';
import type { ContainerClient } from '../../../src/engine/container-client.js';
import type { ImageClient } from '../../../src/engine/image-client.js';

export type EngineMethod = keyof ImageClient | keyof ContainerClient | keyof ArchiveClient;

export interface EngineCall {
  method: EngineMethod;
  args: unknown[];
}

/** The calls made to one test's fake clients, in order (method names are unique across the clients). */
export class CallLog {
  readonly calls: EngineCall[] = [];

  record(method: EngineMethod, args: unknown[]): void {
    this.calls.push({ method, args });
  }

  methods(): string[] {
    return this.calls.map((c) => c.method);
  }
}

/** A fake client: its calls go to its own log, or to one it shares with the other clients of a FakeEngine. */
export abstract class FakeClient {
  constructor(readonly log: CallLog = new CallLog()) {}

  get calls(): EngineCall[] {
    return this.log.calls;
  }

  methods(): string[] {
    return this.log.methods();
  }
}
