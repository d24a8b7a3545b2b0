/**
 * Reading a training model for its views: a capture between two training steps costs a few
 * small tensor ops (the prompt cloned, four sample images prompted); the data is read back and
 * turned into pictures afterwards (promptViews.ts).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { type LearntState, snapshotModel } from '../export/loadPrompt';
import { batchToRgba, type RgbaImage } from '../export/promptPictures';
import type { VisualPromptModel } from '../train/visualPromptModel';

export interface LiveCapture {
  state: LearntState;
  /** The sample images as the model saw them at the capture. */
  seen: RgbaImage[];
}

/**
 * Captures a training model now (tensors cloned or computed synchronously, so the next optimiser
 * step does not change them) and reads it back when the returned function is called, exactly once.
 * `samples` are base images [N, b, b, 3] in [0, 1] (the caller keeps them).
 */
export function captureLive(model: VisualPromptModel, samples: tf.Tensor4D | null): () => Promise<LiveCapture> {
  const seen = samples && samples.shape[0] > 0 ? model.prompter.prompted(samples) : null;
  let read: () => Promise<LearntState>;
  try {
    read = snapshotModel(model);
  } catch (e) {
    seen?.dispose();
    throw e;
  }
  return async () => {
    try {
      const [values, state] = await Promise.all([
        seen ? (seen.data() as Promise<Float32Array>) : Promise.resolve(null),
        read(),
      ]);
      const c = model.prompter.input.canvas;
      return { state, seen: values ? batchToRgba(values, seen!.shape[0], c, c) : [] };
    } finally {
      seen?.dispose();
    }
  };
}
