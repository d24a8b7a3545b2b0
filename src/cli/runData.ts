/** The data of a CLI run: --data and --test-data read, and the images a run selects from them. */
import { IMPORT_LIMITS } from '../core/import/types';
import type { Dataset } from '../core/data/imageSet';
import type { DataSelection } from '../core/data/runSplits';
import type { ParsedOptions } from './args';
import { type LoadedData, loadData, relabelAll } from './data';
import { type CliEnv } from './env';
import { type Progress } from './progress';

export interface RunData {
  train: LoadedData;
  testData: LoadedData | null;
  /** The training pool, and the test images (DIR's own test split, or --test-data). */
  dataset: Dataset;
  /** Where the test images come from, in words. */
  testSource: 'test-split' | 'test-data' | 'carved' | 'none';
}

const opt = <T>(o: ParsedOptions, name: string): T | undefined => o[name] as T | undefined;

/** Reads --data and --test-data. */
export async function loadRunData(o: ParsedOptions, env: CliEnv, progress: Progress): Promise<RunData> {
  const options = {
    fit: opt<'crop' | 'pad' | 'stretch'>(o, 'fit') ?? 'crop',
    maxImages: opt<number>(o, 'max-images') ?? IMPORT_LIMITS.maxImages,
    progress,
  };
  const train = await loadData(opt<string>(o, 'data') as string, env, options);
  const testSpec = opt<string>(o, 'test-data');
  if (!testSpec) {
    const testFraction = opt<number>(o, 'test-fraction') ?? 0.2;
    return {
      train,
      testData: null,
      dataset: train.dataset,
      testSource: train.dataset.test ? 'test-split' : testFraction > 0 ? 'carved' : 'none',
    };
  }
  // A test set may cover only some classes: accuracy is then reported for those it has.
  const testData = await loadData(testSpec, env, { ...options, minClasses: 1 });
  if (train.dataset.test)
    progress.line(`  --test-data replaces the test split of ${train.location}; that split is not used.`);
  const test = relabelAll(
    testData,
    train.dataset.meta.classes,
    `The test data ${testData.location}`,
    `the training data ${train.location}`,
  );
  const missing = missingClasses(test.labels, train.dataset.meta.classes);
  if (missing) progress.line(`  ${missing}`);
  return {
    train,
    testData,
    dataset: { meta: train.dataset.meta, train: train.dataset.train, test },
    testSource: 'test-data',
  };
}

/** "covers 2 of 3 classes (no images of …)" when a test set lacks classes, else null. */
export function missingClasses(labels: Int32Array, classes: readonly string[]): string | null {
  const present = new Set(labels);
  const absent = classes.filter((_, i) => !present.has(i));
  if (!absent.length) return null;
  const names = absent.slice(0, 10).join(', ') + (absent.length > 10 ? ', …' : '');
  return `The test images cover ${classes.length - absent.length} of ${classes.length} classes (none of ${names}): accuracy is reported per class for those present, and over their images.`;
}

/** --fraction: a share (≤ 1) or 1/r (> 1) → the engine's r ≥ 1. */
function fractionR(value: number | undefined): number {
  if (value === undefined) return 1;
  return value <= 1 ? 1 / value : value;
}

/** The data selection of a run (every image unless limited). */
export function dataSelection(o: ParsedOptions, d: Dataset): DataSelection {
  const pool = d.train.labels.length;
  const testCount = d.test?.labels.length ?? pool;
  const testFraction = d.test ? 0 : (opt<number>(o, 'test-fraction') ?? 0.2);
  return {
    valFraction: opt<number>(o, 'val-fraction') ?? 0.1,
    trainImages: opt<number>(o, 'train-images') ?? pool,
    valImages: opt<number>(o, 'val-images') ?? pool,
    testImages: opt<number>(o, 'test-images') ?? testCount,
    fraction: fractionR(opt<number>(o, 'fraction')),
    ...(testFraction > 0 ? { testFraction } : {}),
  };
}
