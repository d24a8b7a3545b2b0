/** The linear-probing baseline of a CLI run, with the extra probe on the flattened features. */
import type { VPDesign } from '../core/design/design';
import type { Evaluation } from '../engine/train/evaluate';
import { linearBaselines, type ProbeResult } from '../engine/train/linearProbe';
import type { RunSplits } from '../core/data/runSplits';
import type { SourceModel } from '../engine/train/visualPromptModel';
import { type Progress } from './progress';

const finite = (x: number) => (Number.isFinite(x) ? x : null);

/**
 * Linear probing holds every image's features in memory: the baseline (pooled features) is
 * skipped above this, and so is the extra probe on the flattened map.
 */
export const MAX_FEATURE_BYTES = 2e9;

export interface BaselineResult {
  /** 'pooled': AutoVP's baseline (features averaged over space); 'flattened': the extra probe. */
  features: 'pooled' | 'flattened';
  validationAccuracy: number | null;
  test: Evaluation | null;
  featureDim: number;
  parameters: number;
  bestEpoch: number;
}

export interface Baselines {
  /** AutoVP's linear-probing baseline: a linear layer on the penultimate pooled features. */
  pooled: BaselineResult;
  /** The extra probe on the same feature map flattened (same forward passes), when it is a map. */
  flattened: BaselineResult | null;
  flattenedSkipped: string | null;
  seconds: number;
}

const baselineResult = (r: ProbeResult): BaselineResult => ({
  features: r.features,
  validationAccuracy: finite(r.probe.validation.accuracy),
  test: r.test,
  featureDim: r.dim,
  parameters: r.parameters,
  bestEpoch: r.probe.bestEpoch,
});

/**
 * Linear probing on the frozen model's features of the same images (the app's settings): the
 * pooled baseline, and the flattened extra when the features are a spatial map.
 */
export async function linearBaseline(
  source: SourceModel,
  splits: RunSplits,
  numTarget: number,
  design: VPDesign,
  progress: Progress,
): Promise<Baselines> {
  const started = performance.now();
  const { baseSize, batchSize, seed } = design;
  progress.line('Linear-probing baseline: extracting features…');
  const probes = await linearBaselines(source, splits, numTarget, {
    baseSize,
    batchSize,
    seed,
    maxFlattenedBytes: MAX_FEATURE_BYTES,
    onProgress: (m) => progress.status(`  ${m}…`, true),
  });
  progress.clear();
  if (!probes) throw new Error('feature extraction stopped');
  return {
    pooled: baselineResult(probes.pooled),
    flattened: probes.flattened ? baselineResult(probes.flattened) : null,
    flattenedSkipped: probes.flattenedSkipped,
    seconds: (performance.now() - started) / 1000,
  };
}

export function probeDetails(b: BaselineResult) {
  return {
    features: b.features,
    validationAccuracy: b.validationAccuracy,
    testLoss: b.test ? finite(b.test.loss) : null,
    featureDim: b.featureDim,
    parameters: b.parameters,
    bestEpoch: b.bestEpoch + 1,
  };
}
