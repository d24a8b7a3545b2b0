/**
 * Reading a training model for its views: a capture between two training steps costs a few
 * small tensor ops (the prompt cloned, four sample images prompted); the data is read back and
 * turned into pictures afterwards (promptViews.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type LearntState, snapshotModel } from '../export/loadPrompt';
import { batchToRgba, maskPictures, type RgbaImage } from '../export/promptPictures';
import type { VisualPromptModel } from '../train/visualPromptModel';

export interface LiveCapture {
  state: LearntState;
  /** The sample images as the model saw them at the capture. */
  seen: RgbaImage[];
  /** SMM: each sample image's own mask at the capture (empty for the other prompts). */
  masks: RgbaImage[];
}

/**
 * Captures a training model now (tensors cloned or computed synchronously, so the next optimiser
 * step does not change them) and reads it back when the returned function is called, exactly once.
 * `samples` are base images [N, b, b, 3] in [0, 1] (the caller keeps them).
 */
export function captureLive(model: VisualPromptModel, samples: tf.Tensor4D | null): () => Promise<LiveCapture> {
  const some = samples && samples.shape[0] > 0 ? samples : null;
  const seen = some ? model.prompter.prompted(some) : null;
  const masks = some && model.prompter.sampleSpecific ? model.prompter.sampleMasks(some) : null;
  let read: () => Promise<LearntState>;
  try {
    read = snapshotModel(model);
  } catch (e) {
    tf.dispose([seen ?? [], masks ?? []]);
    throw e;
  }
  return async () => {
    try {
      const [values, maskValues, state] = await Promise.all([
        seen ? (seen.data() as Promise<Float32Array>) : Promise.resolve(null),
        masks ? (masks.data() as Promise<Float32Array>) : Promise.resolve(null),
        read(),
      ]);
      const c = model.prompter.input.canvas;
      const n = seen?.shape[0] ?? 0;
      return {
        state,
        seen: values ? batchToRgba(values, n, c, c) : [],
        masks: maskValues ? maskPictures(maskValues, n, c) : [],
      };
    } finally {
      tf.dispose([seen ?? [], masks ?? []]);
    }
  };
}
