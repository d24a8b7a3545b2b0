import type { Dataset } from '../../core/data/imageSet';
import { ALPHA_BACKGROUND, type ImportedDatasetInfo } from '../../core/data/importedDataset';
import type { PromptPreprocessing } from '../export/promptFile';

/**
 * How a dataset's images became base images, as a prompt file records it: what a user's own
 * images must go through before the prompt applies.
 */
export function preprocessingOf(d: Dataset, baseSize: number): PromptPreprocessing {
  const meta = d.meta as Partial<ImportedDatasetInfo>;
  const common = { baseSize, resize: 'bilinear-half-pixel', values: 'uint8/255', grayscale: 'repeat-to-rgb' } as const;
  if (meta.imported && meta.preprocessing) {
    return {
      ...common,
      fit: meta.preprocessing.fit,
      alphaBackground: [...(meta.alphaBackground ?? meta.preprocessing.alphaBackground)],
      workingSize: meta.preprocessing.workingSize,
      dataset: meta.preprocessing,
    };
  }
  return { ...common, fit: 'crop', alphaBackground: [...ALPHA_BACKGROUND], workingSize: null, dataset: null };
}
