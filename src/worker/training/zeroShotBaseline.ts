import type { RunSplits } from '../../core/data/runSplits';
import { zeroShotOnSplits } from '../../engine/models/clip/zeroShot';
import type { ModelManifest } from '../../engine/models/manifest';
import type { SourceModel } from '../../engine/train/visualPromptModel';
import type { TrainEvent, ZeroShotSummary } from '../api/trainingApi';
import { evaluationSummary } from './baseline';

/**
 * A CLIP run's zero-shot baseline: the source model alone (no prompt, each image resized to the
 * whole canvas) on the run's validation and test images, the number the prompt has to beat.
 * Null for other models.
 */
export async function zeroShotBaseline(
  manifest: ModelManifest | undefined,
  source: SourceModel,
  splits: RunSplits,
  numTarget: number,
  batchSize: number,
  onEvent: (event: TrainEvent) => void,
): Promise<ZeroShotSummary | null> {
  if (manifest?.format !== 'clip') return null;
  onEvent({ type: 'phase', phase: 'testing', detail: 'CLIP zero-shot, no prompt' });
  const { validation, test } = await zeroShotOnSplits(source, splits, numTarget, batchSize);
  return { validation: evaluationSummary(validation), test: test ? evaluationSummary(test) : null };
}
