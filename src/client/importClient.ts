import * as Comlink from 'comlink';
import type { ImportApi } from '../worker/api/importApi';
import type { ImportOptions, ImportProgress, ImportResult, ImportSource } from '../core/import/types';

/**
 * The UI's handle on the import worker (created on first use). `cancel` asks the import to stop
 * after the current file, which deletes what it stored; if the worker does not answer within
 * `forceAfterMs` it is terminated and the run resolves as cancelled (its partial data is then
 * deleted by the caller, or by the next listing as an abandoned import).
 */
export interface ImportClient {
  run(source: ImportSource, options: ImportOptions, onProgress: (p: ImportProgress) => void): Promise<ImportResult | { status: 'terminated'; datasetId: string | null }>;
  cancel(): void;
}

export function createImportClient(forceAfterMs = 4000): ImportClient {
  let worker: Worker | null = null;
  let remote: Comlink.Remote<ImportApi> | null = null;
  let forceStop: (() => void) | null = null;
  const api = () => {
    if (!remote) {
      worker = new Worker(new URL('../worker/importWorker.ts', import.meta.url), { type: 'module', name: 'autovp-import' });
      remote = Comlink.wrap<ImportApi>(worker);
    }
    return remote;
  };
  return {
    run(source, options, onProgress) {
      let datasetId: string | null = null;
      const forced = new Promise<{ status: 'terminated'; datasetId: string | null }>((resolve) => {
        forceStop = () => {
          worker?.terminate();
          worker = null;
          remote = null;
          resolve({ status: 'terminated', datasetId });
        };
      });
      const progress = (p: ImportProgress) => {
        datasetId = p.datasetId ?? datasetId;
        onProgress(p);
      };
      const done = api().importDataset(source, options, Comlink.proxy(progress));
      return Promise.race([done, forced]).finally(() => {
        forceStop = null;
      });
    },
    cancel() {
      const force = forceStop;
      if (!force || !remote) return;
      void remote.cancel();
      setTimeout(() => {
        if (forceStop === force) force();
      }, forceAfterMs);
    },
  };
}
