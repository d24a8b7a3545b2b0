import * as Comlink from 'comlink';
import type { EngineApi } from '../worker/api/engineApi';

/**
 * The UI's handle on the engine worker: one dedicated module worker, created on first use.
 * `restart` terminates it (a hung backend, a backend switch that needs a clean slate, a crash).
 *
 * A worker the browser kills (out of memory) or that dies otherwise sends nothing: its pending
 * calls simply never answer. So the worker holds a Web Lock for its whole life, and the page
 * queues for the same lock: the browser grants it to the page exactly when the worker is gone.
 * Unlike a heartbeat, this cannot mistake a long, busy step (seconds on a software GPU) for death.
 */
export interface EngineClient {
  api(): Comlink.Remote<EngineApi>;
  restart(): void;
  /** Test hook: ends the worker as the browser does when it runs out of memory (no notice; the crash path runs). */
  kill(): void;
  /** Called when the worker dies without being asked to; returns the unsubscribe. */
  onCrash(listener: (message: string) => void): () => void;
}

type LockManagerLike = { request(name: string, callback: () => unknown): Promise<unknown> };

export function createEngineClient(): EngineClient {
  let worker: Worker | null = null;
  let remote: Comlink.Remote<EngineApi> | null = null;
  const listeners = new Set<(message: string) => void>();
  const crashed = (current: Worker, message: string) => {
    // A worker this client terminated itself, or one already replaced, is no news.
    if (worker !== current) return;
    worker = null;
    remote = null;
    current.terminate();
    for (const listener of [...listeners]) listener(message);
  };
  const watch = (current: Worker, api: Comlink.Remote<EngineApi>) => {
    current.addEventListener('error', (event) =>
      crashed(current, `The engine worker failed to run${event.message ? ` (${event.message})` : ''}.`),
    );
    const locks = (navigator as { locks?: LockManagerLike }).locks;
    if (!locks) return;
    const name = `autovp-engine-life-${crypto.randomUUID()}`;
    void api
      .holdLifeLock(name)
      .then(() =>
        locks.request(name, () =>
          crashed(current, 'The engine worker stopped unexpectedly (the browser ended it, for example when it ran out of memory).'),
        ),
      )
      .catch(() => undefined);
  };
  return {
    api() {
      if (!remote) {
        const current = new Worker(new URL('../worker/engineWorker.ts', import.meta.url), { type: 'module', name: 'autovp-engine' });
        worker = current;
        remote = Comlink.wrap<EngineApi>(current);
        watch(current, remote);
      }
      return remote;
    },
    restart() {
      worker?.terminate();
      worker = null;
      remote = null;
    },
    kill() {
      // Still `worker`: its freed life lock reports the crash, as for a worker the browser ended.
      worker?.terminate();
    },
    onCrash(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
