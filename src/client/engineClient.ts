import * as Comlink from 'comlink';
import type { EngineApi } from '../worker/api/engineApi';

/**
 * The UI's handle on the engine worker: one dedicated module worker, created on first use.
 * `restart` terminates it (a hung backend, a backend switch that needs a clean slate).
 */
export interface EngineClient {
  api(): Comlink.Remote<EngineApi>;
  restart(): void;
}

export function createEngineClient(): EngineClient {
  let worker: Worker | null = null;
  let remote: Comlink.Remote<EngineApi> | null = null;
  return {
    api() {
      if (!remote) {
        worker = new Worker(new URL('../worker/engineWorker.ts', import.meta.url), { type: 'module', name: 'autovp-engine' });
        remote = Comlink.wrap<EngineApi>(worker);
      }
      return remote;
    },
    restart() {
      worker?.terminate();
      worker = null;
      remote = null;
    },
  };
}

