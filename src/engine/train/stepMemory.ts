import * as tf from '@tensorflow/tfjs-core';
import { BackendFailure } from '../backend/backendFailure';
import { pixelsToBatchTensor } from '../data/batches';
import { readImages } from '../../core/data/imageSet';
import type { SplitImages } from '../../core/data/runSplits';
import { labelsOf } from './evaluate';
import { crossEntropy, type VisualPromptModel } from './visualPromptModel';

/**
 * How backends say that an allocation failed: wasm's heap (4 GB at most) overrun, JavaScript's
 * ArrayBuffer limits, WebGL / WebGPU out of memory.
 */
const ALLOCATION_FAILURE =
  /memory access out of bounds|out of memory|array buffer allocation failed|invalid (typed )?array length|cannot allocate|failed to allocate|allocation failed/i;

/** True when `e` (or the error a BackendFailure wraps) is a failed allocation. */
export function isAllocationFailure(e: unknown): boolean {
  const inner = e instanceof BackendFailure ? e.cause : e;
  return inner instanceof Error && ALLOCATION_FAILURE.test(inner.message);
}

/**
 * What one forward and backward pass may take on wasm, whose heap stops at 4 GB: a quarter of it,
 * leaving the rest to the weights (about 1 GB for CLIP ViT-B/32 with its transposed copies), the
 * images and fragmentation.
 */
export const STEP_BUDGET = 1024 ** 3;

/** Bytes at the peak of one training step's forward and backward pass on the first `count` training images (no update). */
async function stepPeak(model: VisualPromptModel, train: SplitImages, count: number): Promise<number> {
  const indices = train.indices.slice(0, count);
  const pixels = await readImages(train.set, indices);
  const before = tf.memory().numBytes;
  const info = await tf.profile(() => {
    tf.tidy(() => {
      const x = pixelsToBatchTensor(train.set, pixels, model.design.baseSize);
      const y = tf.tensor1d(labelsOf(train.set, indices), 'int32');
      tf.variableGrads(() => crossEntropy(model.logits(x, true), y), model.variables());
    });
  });
  return Math.max(0, info.peakBytes - before);
}

/**
 * The memory one training step needs, measured on one and on two images: a fixed part (the
 * prompt's gradients, the mapping) and a part per image (the canvas and the network's
 * activations, forward and backward).
 */
export async function stepMemory(model: VisualPromptModel, train: SplitImages): Promise<{ fixed: number; perImage: number }> {
  const one = await stepPeak(model, train, 1);
  const two = await stepPeak(model, train, 2);
  const perImage = Math.max(1, two - one);
  return { fixed: Math.max(0, one - perImage), perImage };
}

/**
 * Images per forward and backward pass so that a step of `batch` images stays within
 * STEP_BUDGET: the batch itself when it fits, else halved until it does (the step then adds the
 * gradients of its micro-batches: the same update). Measured on wasm, the backend with a hard
 * limit; elsewhere, and for SMM (its BatchNorm takes statistics over the whole batch), the batch.
 */
export async function microBatchFor(
  model: VisualPromptModel,
  train: SplitImages,
  batch: number,
  budget = STEP_BUDGET,
): Promise<number> {
  if (tf.getBackend() !== 'wasm' || model.design.prompt === 'smm' || batch < 2) return batch;
  await stepPeak(model, train, 1); // first use: derived weights and kernels are made, and kept
  const { fixed, perImage } = await stepMemory(model, train);
  let images = batch;
  while (images > 1 && fixed + perImage * images > budget) images = Math.ceil(images / 2);
  return images;
}
