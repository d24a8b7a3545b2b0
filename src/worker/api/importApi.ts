/** Imported datasets: a dropped folder or .zip in torchvision's ImageFolder layout, decoded in the import worker (importWorker.ts), stored in IndexedDB, served by the engine worker like a built-in. */
import type { ImageFit } from '../../core/data/imageFit';
import type { ImportOptions, ImportProgress, ImportResult, ImportSource } from '../../core/import/types';

export type { ImageFit };

/** The import worker's endpoint. */
export interface ImportApi {
  importDataset(
    source: ImportSource,
    options: ImportOptions,
    onProgress: (p: ImportProgress) => void,
  ): Promise<ImportResult>;
  /** Stop the running import after the current file; what it stored is deleted. */
  cancel(): void;
}

/** Images in each part of a run's split, summed over classes. */
export interface SplitPlan {
  train: number;
  val: number;
  test: number;
  /** The dataset brings its own test split (then `test` is its size). */
  testGiven: boolean;
}
