import type { Dataset } from '../../core/data/imageSet';
import type { Evaluation } from '../../engine/train/evaluate';
import { linearBaselines, type ProbeResult } from '../../engine/train/linearProbe';
import { type RunSplits, selectSplits } from '../../core/data/runSplits';
import type { SourceModel } from '../../engine/train/visualPromptModel';
import type { BaselineSummary, EvaluationSummary, TrainRequest } from '../api/trainingApi';

export const evaluationSummary = (e: Evaluation): EvaluationSummary => ({
  loss: e.loss,
  accuracy: e.accuracy,
  perClass: e.perClass,
  confusion: e.confusion,
  count: e.count,
});

/** Flattened features larger than this (every image of the run) skip the extra probe. */
const MAX_FLATTENED_BYTES = 5e8;

const baselineSummary = (r: ProbeResult): BaselineSummary => ({
  validation: evaluationSummary(r.probe.validation),
  test: r.test ? evaluationSummary(r.test) : null,
  featureDim: r.dim,
  parameters: r.parameters,
  features: r.features,
});

/**
 * Linear probing on the frozen features of the same images, for comparison: AutoVP's baseline on
 * the pooled features, with the probe on the flattened map as an extra (same forward passes).
 * Null when `shouldStop` ended it.
 */
export async function linearBaseline(
  source: SourceModel,
  splits: RunSplits,
  numTarget: number,
  request: TrainRequest,
  shouldStop: () => boolean,
): Promise<BaselineSummary | null> {
  const { baseSize, batchSize, seed } = request.design;
  const probes = await linearBaselines(source, splits, numTarget, {
    baseSize,
    batchSize,
    seed,
    maxFlattenedBytes: MAX_FLATTENED_BYTES,
    shouldStop,
  });
  if (!probes) return null;
  const result: BaselineSummary = baselineSummary(probes.pooled);
  if (probes.flattened) result.extra = baselineSummary(probes.flattened);
  return result;
}

/** The baseline of a run request, on the same images the run draws (its splits, from its seed). */
export function computeBaseline(
  source: SourceModel,
  dataset: Dataset,
  request: TrainRequest,
  shouldStop: () => boolean,
): Promise<BaselineSummary | null> {
  const splits = selectSplits(dataset, request.data, request.design.seed);
  return linearBaseline(source, splits, dataset.meta.classes.length, request, shouldStop);
}
