/// <reference lib="webworker" />
/**
 * The import worker: reads a dropped folder or zip, decodes and resizes every image off the main
 * thread, and stores the dataset in IndexedDB. A worker of its own, so importing never slows a
 * training run and a stuck import can be terminated without touching the engine.
 */
import * as Comlink from 'comlink';
import { ALPHA_BACKGROUND } from '../core/data/importedDataset';
import { IMAGE_FITS } from '../core/data/imageFit';
import { IMPORT_LIMITS } from '../core/import/types';
import type { ImportApi } from './api/importApi';
import { createIdbImportStore } from './datasets/datasetStore';
import { createCanvasDecoder } from './import/canvasDecoder';
import { runImport } from '../core/import/importPipeline';
import { listSource } from '../core/import/importSources';

let cancelled = false;
let running = false;

const api: ImportApi = {
  async importDataset(source, options, onProgress) {
    if (running) throw new Error('An import is already running.');
    if (!IMAGE_FITS.includes(options.fit)) throw new Error(`Unknown fit "${String(options.fit)}".`);
    running = true;
    cancelled = false;
    try {
      onProgress({ datasetId: null, phase: 'listing', done: 0, total: 0, skipped: 0, path: source.name });
      const listing = await listSource(source);
      return await runImport(
        listing,
        options.fit,
        {
          decode: createCanvasDecoder(IMPORT_LIMITS.workingSize, options.fit, ALPHA_BACKGROUND),
          store: createIdbImportStore(),
          newId: () => `imported-${crypto.randomUUID()}`,
          now: () => performance.now(),
        },
        { isCancelled: () => cancelled, onProgress },
      );
    } finally {
      running = false;
    }
  },
  cancel() {
    cancelled = true;
  },
};

Comlink.expose(api);
