// tfjs-core registers op gradients only through this side-effect module.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import type { VPDesign } from '../../core/design/design';
import { createLabelMapping, type LabelMapping } from '../mapping/labelMapping';
import type { FrozenNetwork } from '../network/types';
import type { ClipTextHead } from '../models/clip/clipTextHead';
import { type InputSpec, Prompter } from '../prompt/prompter';
import { type TrainableParameters, trainableParameters } from './trainableParameters';

/** How to use a frozen network as the source model of visual prompting. */
export interface SourceModel {
  network: FrozenNetwork;
  input: InputSpec;
  /** Tensor giving the source logits. */
  sourceOutput: string;
  /** Penultimate features (linear probing). */
  featureOutput: string;
  numSource: number;
  /** CLIP: how its source classes were made from text (recorded in prompt files to build them again). */
  textHead?: ClipTextHead;
}

let instances = 0;

/**
 * image → input scaling → canvas → + masked prompt → model range → frozen network → source
 * logits → label mapping → target logits. Owns the trainable prompt, scale and mapping; the
 * network is shared and never changes.
 */
export class VisualPromptModel {
  readonly prompter: Prompter;
  readonly mapping: LabelMapping;

  constructor(
    readonly source: SourceModel,
    readonly design: VPDesign,
    readonly numTarget: number,
  ) {
    // tfjs variable names are global: give each model its own prefix.
    const name = `vp${++instances}`;
    this.prompter = new Prompter(design, source.input, name, design.seed);
    try {
      this.mapping = createLabelMapping(design, source.numSource, numTarget, design.seed, name);
    } catch (e) {
      this.prompter.dispose();
      throw e;
    }
  }

  variables(): tf.Variable[] {
    return [...this.prompter.variables(), ...this.mapping.variables()];
  }

  /** What training changes: the masked-in prompt entries, the scale, the mapping (not the whole δ tensor). */
  trainableParameters(): TrainableParameters {
    return trainableParameters(this.design, this.source.input.canvas, this.source.numSource, this.numTarget);
  }

  /**
   * Source logits [B, S] for a batch of base-size images in [0, 1]. `training`: a training step
   * (SMM's mask generator then uses and updates batch statistics).
   */
  sourceLogits(base: tf.Tensor4D, training = false): tf.Tensor2D {
    return tf.tidy(() => {
      // With a fixed scale only the prompt, shared by every example, takes the input gradient: its
      // sum over the batch is all that is used, and the network's first layers backprop it once.
      // A learnt scale or SMM's per-image masks need every example's own gradient.
      const perExample = this.prompter.scale !== null || this.prompter.sampleSpecific;
      const [out] = this.source.network.apply(this.prompter.modelInput(base, training), [this.source.sourceOutput], {
        inputGradient: perExample ? 'perExample' : 'batchSum',
      });
      return tf.reshape(out as tf.Tensor, [base.shape[0], -1]) as tf.Tensor2D;
    });
  }

  /** Target logits [B, T]. */
  logits(base: tf.Tensor4D, training = false): tf.Tensor2D {
    return tf.tidy(() => this.mapping.apply(this.sourceLogits(base, training)));
  }

  dispose(): void {
    this.prompter.dispose();
    this.mapping.dispose();
  }
}

/** Mean softmax cross-entropy of logits [B, T] against integer labels. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}
