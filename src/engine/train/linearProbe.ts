import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../core/util/rng';
import { chunks, labelsOf, splitBatches, summarise, type Evaluation, yieldToEventLoop } from './evaluate';
import type { SplitImages } from '../../core/data/runSplits';
import { createOptimizer } from './optimizer';
import { crossEntropy, type SourceModel } from './visualPromptModel';

/** Penultimate features of a split, [N × D] row-major, and their labels. */
export interface FeatureSet {
  features: Float32Array;
  labels: Int32Array;
  dim: number;
}

/**
 * Features of a split for the two linear probes, both from one forward pass per batch.
 * `pooled`: AutoVP's linear-probing baseline, a linear layer on the penultimate pooled features:
 * a spatial feature map [H, W, C] averaged over H and W (C values), a feature vector as it is.
 * `flattened`: the same map flattened (H·W·C values), when asked for and larger than the pooled
 * one (an extra comparison, never the baseline); null otherwise.
 */
export interface ProbeFeatures {
  pooled: FeatureSet;
  flattened: FeatureSet | null;
}

/** Sizes of the two feature sets a source model gives (from its feature tensor's shape). */
export function featureDims(source: SourceModel): { pooled: number; flattened: number } {
  const shape = source.network.tensors.find((t) => t.name === source.featureOutput)?.shape;
  if (!shape) throw new Error(`the feature tensor "${source.featureOutput}" does not exist in this model`);
  const flattened = shape.reduce((a, b) => a * b, 1);
  return { pooled: shape.length === 3 ? (shape[2] as number) : flattened, flattened };
}

/** Joins per-batch rows into one set. */
function joinRows(parts: Float32Array[], labels: Int32Array, dim: number): FeatureSet {
  const features = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    features.set(p, offset);
    offset += p.length;
  }
  return { features, labels, dim };
}

/**
 * Features of the frozen model without any prompt: each base-size image is resized to the whole
 * canvas (the usual linear-probing input), mapped to the model's range and run to the feature
 * tensor, then pooled (and, with `flattened`, also flattened: same forward pass). Computed once
 * per split and cached by the caller. Null when `shouldStop` says so.
 */
export async function extractFeatures(
  source: SourceModel,
  split: SplitImages,
  baseSize: number,
  batchSize: number,
  shouldStop: () => boolean = () => false,
  options: { flattened?: boolean } = {},
): Promise<ProbeFeatures | null> {
  const canvas = source.input.canvas;
  const pooledParts: Float32Array[] = [];
  const flatParts: Float32Array[] = [];
  let pooledDim = 0;
  let flatDim = 0;
  for await (const { batch, x: base } of splitBatches(split, batchSize, baseSize)) {
    if (shouldStop()) {
      base.dispose();
      return null;
    }
    const [pooled, flat] = tf.tidy((): tf.Tensor[] => {
      const x = tf.image.resizeBilinear(base, [canvas, canvas], false, true);
      const {
        valueRange: [lo, hi],
        mean,
        std,
      } = source.input;
      let y: tf.Tensor = tf.add(tf.mul(x, hi - lo), lo);
      if (mean && std) y = tf.div(tf.sub(y, tf.tensor1d([...mean])), tf.tensor1d([...std]));
      const [out] = source.network.apply(y as tf.Tensor4D, [source.featureOutput]);
      const f = out as tf.Tensor;
      const spatial = f.rank === 4;
      const p = spatial ? tf.mean(f, [1, 2]) : tf.reshape(f, [batch.length, -1]);
      const flatWanted = options.flattened && spatial && (f.shape[1] as number) * (f.shape[2] as number) > 1;
      return flatWanted ? [p, tf.reshape(f, [batch.length, -1])] : [p];
    }) as [tf.Tensor, tf.Tensor?];
    base.dispose();
    pooledDim = pooled.shape[1] as number;
    pooledParts.push((await pooled.data()) as Float32Array);
    pooled.dispose();
    if (flat) {
      flatDim = flat.shape[1] as number;
      flatParts.push((await flat.data()) as Float32Array);
      flat.dispose();
    }
    await yieldToEventLoop();
  }
  const labels = labelsOf(split.set, split.indices);
  return {
    pooled: joinRows(pooledParts, labels, pooledDim),
    flattened: flatParts.length > 0 ? joinRows(flatParts, labels, flatDim) : null,
  };
}

/** One trained linear probe, tested. */
export interface ProbeResult {
  features: 'pooled' | 'flattened';
  dim: number;
  /** Trainable parameters: dim × classes + classes. */
  parameters: number;
  probe: LinearProbe;
  test: Evaluation | null;
}

/** AutoVP's baseline (pooled features) and the extra probe on the flattened map. */
export interface LinearBaselines {
  pooled: ProbeResult;
  flattened: ProbeResult | null;
  /** Why there is no flattened probe although the features are a spatial map (e.g. too large). */
  flattenedSkipped: string | null;
}

/**
 * Linear probing on the frozen model's features of a run's images: the pooled probe (the
 * baseline), and, when the features are a spatial map, a probe on the same map flattened from the
 * same forward passes, unless its features for every image would take more than
 * `maxFlattenedBytes`. Null when stopped.
 */
export async function linearBaselines(
  source: SourceModel,
  splits: { train: SplitImages; val: SplitImages; test: SplitImages | null },
  numTarget: number,
  options: {
    baseSize: number;
    batchSize: number;
    seed: number;
    maxFlattenedBytes: number;
    shouldStop?: () => boolean;
    onProgress?: (message: string) => void;
  },
): Promise<LinearBaselines | null> {
  const { baseSize, batchSize, seed, shouldStop } = options;
  const dims = featureDims(source);
  const images = splits.train.indices.length + splits.val.indices.length + (splits.test?.indices.length ?? 0);
  const flatBytes = dims.flattened * 4 * images;
  let flattenedSkipped: string | null = null;
  const wantFlat = dims.flattened > dims.pooled;
  if (wantFlat && flatBytes > options.maxFlattenedBytes) {
    flattenedSkipped = `its ${dims.flattened.toLocaleString('en-US')}-d features of ${images} images would take ${(flatBytes / 1e9).toFixed(1)} GB`;
  }
  const flattened = wantFlat && !flattenedSkipped;
  options.onProgress?.('extracting features');
  const extract = (split: SplitImages) =>
    extractFeatures(source, split, baseSize, batchSize, shouldStop, { flattened });
  const train = await extract(splits.train);
  const val = train && (await extract(splits.val));
  if (!train || !val) return null;
  const test = splits.test ? await extract(splits.test) : null;
  if (splits.test && !test) return null;
  const fit = async (
    kind: 'pooled' | 'flattened',
    t: FeatureSet,
    v: FeatureSet,
    te: FeatureSet | null,
  ): Promise<ProbeResult> => {
    options.onProgress?.(
      `training a linear probe on ${kind} ${t.dim.toLocaleString('en-US')}-d features (${DEFAULT_PROBE.epochs} epochs)`,
    );
    const probe = await trainLinearProbe(t, v, numTarget, { ...DEFAULT_PROBE, seed });
    return {
      features: kind,
      dim: probe.dim,
      parameters: probe.dim * numTarget + numTarget,
      probe,
      test: te ? await evaluateLinearProbe(probe, te) : null,
    };
  };
  const pooled = await fit('pooled', train.pooled, val.pooled, test?.pooled ?? null);
  const flat =
    train.flattened && val.flattened && !shouldStop?.()
      ? await fit('flattened', train.flattened, val.flattened, test?.flattened ?? null)
      : null;
  return { pooled, flattened: flat, flattenedSkipped };
}

export interface LinearProbeOptions {
  epochs: number;
  learningRate: number;
  weightDecay: number;
  batchSize: number;
  seed: number;
}

export const DEFAULT_PROBE: LinearProbeOptions = {
  epochs: 100,
  learningRate: 1e-3,
  weightDecay: 1e-4,
  batchSize: 128,
  seed: 7,
};

export interface LinearProbe {
  weight: Float32Array;
  bias: Float32Array;
  dim: number;
  numTarget: number;
  /** Validation evaluation of the kept (best-validation) epoch. */
  validation: Evaluation;
  bestEpoch: number;
}

/**
 * Linear probing: softmax regression on frozen features (standardised with the training
 * statistics), Adam, keeping the epoch with the best validation accuracy.
 */
export async function trainLinearProbe(
  train: FeatureSet,
  val: FeatureSet,
  numTarget: number,
  options: LinearProbeOptions = DEFAULT_PROBE,
): Promise<LinearProbe> {
  const { dim } = train;
  const n = train.labels.length;
  const stats = featureStats(train);
  const mean = tf.tensor1d(stats.mean);
  const std = tf.tensor1d(stats.std);
  const rng = new Rng(options.seed);
  const bound = 1 / Math.sqrt(dim);
  const W = tf.tidy(() =>
    tf.variable(
      tf.tensor2d(
        Float32Array.from({ length: dim * numTarget }, () => (2 * rng.next() - 1) * bound),
        [dim, numTarget],
      ),
    ),
  );
  const b = tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R1>([numTarget])));
  const standardise = (x: tf.Tensor2D) => tf.div(tf.sub(x, mean), std) as tf.Tensor2D;
  const trainX = tf.tidy(() => standardise(tf.tensor2d(train.features, [n, dim])));
  const valX = tf.tidy(() => standardise(tf.tensor2d(val.features, [val.labels.length, dim])));
  const trainY = tf.tensor1d(train.labels, 'int32');
  const optimizer = createOptimizer({ optimizer: 'adam', momentum: 0, weightDecay: options.weightDecay });
  let best: { acc: number; epoch: number; weight: Float32Array; bias: Float32Array; eval: Evaluation } | null = null;
  try {
    const order = Int32Array.from({ length: n }, (_, i) => i);
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      rng.shuffle(order);
      for (const batch of chunks(order, options.batchSize)) {
        const { grads, value } = tf.variableGrads(() => {
          const idx = tf.tensor1d(batch, 'int32');
          return crossEntropy(
            tf.add(tf.matMul(tf.gather(trainX, idx), W), b) as tf.Tensor2D,
            tf.gather(trainY, idx) as tf.Tensor1D,
          );
        }, [W, b]);
        optimizer.step([W, b], grads, options.learningRate);
        tf.dispose([grads, value]);
      }
      const evaluation = await evaluateLinear(valX, val.labels, W, b, numTarget);
      if (!best || evaluation.accuracy > best.acc) {
        best = {
          acc: evaluation.accuracy,
          epoch,
          weight: (await W.data()) as Float32Array,
          bias: (await b.data()) as Float32Array,
          eval: evaluation,
        };
      }
      if (epoch % 10 === 9) await yieldToEventLoop();
    }
  } finally {
    optimizer.dispose();
    tf.dispose([W, b, trainX, valX, trainY, mean, std]);
  }
  if (!best) throw new Error('linear probing needs at least one epoch');
  // Fold the standardisation into the kept layer so it applies to raw features.
  const { weight, bias } = foldStandardisation(best.weight, best.bias, stats, dim, numTarget);
  return { weight, bias, dim, numTarget, validation: best.eval, bestEpoch: best.epoch };
}

/** Evaluate a probe (raw-feature weights) on a feature set. */
export async function evaluateLinearProbe(probe: LinearProbe, set: FeatureSet): Promise<Evaluation> {
  const x = tf.tensor2d(set.features, [set.labels.length, probe.dim]);
  const W = tf.tensor2d(probe.weight, [probe.dim, probe.numTarget]);
  const b = tf.tensor1d(probe.bias);
  try {
    return await evaluateLinear(x, set.labels, W, b, probe.numTarget);
  } finally {
    tf.dispose([x, W, b]);
  }
}

async function evaluateLinear(
  x: tf.Tensor2D,
  labels: Int32Array,
  W: tf.Tensor2D,
  b: tf.Tensor1D,
  numTarget: number,
): Promise<Evaluation> {
  const [loss, pred] = tf.tidy(() => {
    const logits = tf.add(tf.matMul(x, W), b) as tf.Tensor2D;
    return [crossEntropy(logits, tf.tensor1d(labels, 'int32')), tf.argMax(logits, 1)];
  });
  const [l, p] = await Promise.all([loss.data(), pred.data()]);
  tf.dispose([loss, pred]);
  return summarise(p as Int32Array, labels, numTarget, (l[0] as number) * labels.length);
}

/** Per-dimension mean and standard deviation (+1e-6) of a feature set. */
function featureStats(set: FeatureSet): { mean: Float32Array; std: Float32Array } {
  const { dim, features } = set;
  const n = set.labels.length;
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) {
      const v = features[i * dim + d] as number;
      mean[d] = (mean[d] as number) + v;
      sq[d] = (sq[d] as number) + v * v;
    }
  }
  const std = new Float32Array(dim);
  for (let d = 0; d < dim; d++) {
    const m = (mean[d] as number) / n;
    mean[d] = m;
    std[d] = Math.sqrt(Math.max(0, (sq[d] as number) / n - m * m)) + 1e-6;
  }
  return { mean: Float32Array.from(mean), std };
}

/** (x − μ)/σ · W + b  =  x · (W/σ) + (b − (μ/σ) · W). */
function foldStandardisation(
  weight: Float32Array,
  bias: Float32Array,
  stats: { mean: Float32Array; std: Float32Array },
  dim: number,
  numTarget: number,
): { weight: Float32Array; bias: Float32Array } {
  const w = new Float32Array(weight.length);
  const b = Float32Array.from(bias);
  for (let d = 0; d < dim; d++) {
    const s = stats.std[d] as number;
    const m = stats.mean[d] as number;
    for (let t = 0; t < numTarget; t++) {
      const v = (weight[d * numTarget + t] as number) / s;
      w[d * numTarget + t] = v;
      b[t] = (b[t] as number) - m * v;
    }
  }
  return { weight: w, bias: b };
}
