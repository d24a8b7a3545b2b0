import type { StoredRunInfo } from '../worker/api/runsApi';
import type { BackendName, ModelArtifactsData } from '../worker/api/trainingApi';
import { engine } from './engine';

/**
 * What the fault tests (e2e/faults.spec.ts) reach from the page: faults injected into the engine
 * worker (a destroyed WebGPU device, a worker that dies), and the backend parity check run in it.
 * Nothing in the app calls these.
 */
interface AutovpTestHooks {
  injectFault(kind: 'lose-gpu-device' | 'crash'): Promise<boolean>;
  checkBackendParity(artifacts: ModelArtifactsData, backends: [BackendName, BackendName]): Promise<unknown>;
  /** The stored runs with their full-precision metrics, to compare a resumed run with an undisturbed one. */
  storedRuns(): Promise<StoredRunInfo[]>;
}

export function installTestHooks(): void {
  const hooks: AutovpTestHooks = {
    injectFault: async (kind) => {
      if (kind === 'lose-gpu-device') return engine.api().injectFault('lose-gpu-device');
      // Terminated from outside mid-step, as an out-of-memory kill: self.close() inside the worker
      // would let the running training task go on to its end.
      engine.kill();
      return true;
    },
    checkBackendParity: (artifacts, backends) => engine.api().checkBackendParity(artifacts, backends),
    storedRuns: () => engine.api().listRuns(),
  };
  (window as unknown as { autovpTestHooks: AutovpTestHooks }).autovpTestHooks = hooks;
}
