import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, FrozenNetwork, NetworkTensor } from '../../network/types';
import type { SourceModel } from '../../train/visualPromptModel';
import { clipParameterCount } from './clipConfig';
import { CLIP_MEAN, CLIP_STD, type ClipModel } from './clipModel';
import { CLIP_TEMPLATES, fillTemplate } from './clipTemplates';
import { type ClipCheckpointRef, type ClipHeadKind, type ClipTextHead, clipConfigSummary } from './clipTextHead';
import type { ClipTokenizer } from './clipTokenizer';

/*
 * How class names become CLIP's source classes (ClipHeadKind):
 * - 'mean': one per class, the mean of its unit template embeddings made unit again (CLIP's
 *   zero-shot ensemble); the source logits are then the zero-shot logits, class by class.
 * - 'perTemplate': one per template and class, template-major (index t·C + c), as AutoVP's code
 *   feeds FullyMap (its 81 × C outputs).
 */

export interface ClipHeadOptions {
  templates?: readonly string[];
  head?: ClipHeadKind;
  /** Texts encoded at once (bounds memory at full size). */
  textBatch?: number;
}

/** The tensors a CLIP source network can return. */
export const CLIP_OUTPUTS = { features: 'image_features', embeds: 'image_embeds', logits: 'logits' } as const;

/** Unit text embeddings [S, D] of the classes under the templates (see ClipHeadKind). */
export function classEmbeddings(clip: ClipModel, tokenizer: ClipTokenizer, classNames: readonly string[], options: ClipHeadOptions = {}): tf.Tensor2D {
  const templates = options.templates ?? CLIP_TEMPLATES;
  if (classNames.length === 0) throw new Error('CLIP needs at least one class name to build its classifier.');
  if (templates.length === 0 || templates.some((t) => !t.includes('{}'))) {
    throw new Error('every CLIP template must contain "{}", where the class name goes.');
  }
  const texts = templates.flatMap((t) => classNames.map((c) => fillTemplate(t, c)));
  const ids = texts.map((t) => tokenizer.encode(t));
  const batch = options.textBatch ?? 256;
  const parts: tf.Tensor2D[] = [];
  try {
    for (let i = 0; i < ids.length; i += batch) {
      parts.push(tf.tidy(() => unit(clip.textEmbeds(ids.slice(i, i + batch), tokenizer.eosId))));
    }
    return tf.tidy(() => {
      const all = tf.concat(parts, 0) as tf.Tensor2D; // [T·C, D], template-major
      if ((options.head ?? 'mean') === 'perTemplate') return all;
      const d = all.shape[1];
      return unit(tf.mean(tf.reshape(all, [templates.length, classNames.length, d]), 0) as tf.Tensor2D);
    });
  } finally {
    for (const p of parts) p.dispose();
  }
}

function unit(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.norm(x, 'euclidean', -1, true));
}

/**
 * CLIP's image tower as the frozen network of visual prompting: its source logits are
 * exp(logit_scale) · cos(image embedding, class embedding), its features the CLS token after
 * post_layernorm (linear probing). The input is CLIP-normalised RGB at the checkpoint's image size.
 */
class ClipImageNetwork implements FrozenNetwork {
  readonly inputShape: readonly [number, number, number];
  readonly parameterCount: number;
  readonly tensors: readonly NetworkTensor[];
  /** exp(logit_scale) · unit class embeddings, transposed: [D, S]. */
  private readonly head: tf.Tensor2D;

  constructor(
    private readonly clip: ClipModel,
    classes: tf.Tensor2D,
    private readonly ownsModel: boolean,
  ) {
    const v = clip.config.vision;
    this.inputShape = [v.imageSize, v.imageSize, 3];
    this.parameterCount = clipParameterCount(clip.config);
    this.head = tf.tidy(() => tf.mul(tf.transpose(classes), clip.logitScale()));
    this.tensors = [
      { name: CLIP_OUTPUTS.features, shape: [v.hiddenSize] },
      { name: CLIP_OUTPUTS.embeds, shape: [clip.config.projectionDim] },
      { name: CLIP_OUTPUTS.logits, shape: [classes.shape[0]] },
    ];
  }

  // Every op here backprops its input gradient per example, so 'batchSum' needs nothing special.
  apply(x: tf.Tensor4D, outputs: readonly string[], _options?: ApplyOptions): tf.Tensor[] {
    for (const o of outputs) {
      if (!this.tensors.some((t) => t.name === o)) {
        throw new Error(`CLIP has no output "${o}"; it has ${this.tensors.map((t) => t.name).join(', ')}.`);
      }
    }
    return tf.tidy(() => {
      const features = this.clip.imagePooled(x);
      const needsEmbeds = outputs.some((o) => o !== CLIP_OUTPUTS.features);
      const embeds = needsEmbeds ? tf.matMul(features, this.clip.weights.get('visual_projection.weight') as tf.Tensor2D) : null;
      return outputs.map((o) => {
        if (o === CLIP_OUTPUTS.features) return features;
        if (o === CLIP_OUTPUTS.embeds) return embeds as tf.Tensor2D;
        return tf.matMul(unit(embeds as tf.Tensor2D), this.head);
      });
    });
  }

  dispose(): void {
    this.head.dispose();
    if (this.ownsModel) this.clip.dispose();
  }
}

export interface ClipSourceOptions extends ClipHeadOptions {
  /** Whether disposing the source model also frees CLIP's weights (default: it does). */
  ownsModel?: boolean;
  /** Where the checkpoint came from, recorded in the source model's text head (prompt files). */
  checkpoint?: ClipCheckpointRef;
}

/**
 * CLIP as the source model of visual prompting for these target classes. Prompts are added in
 * [0, 1] units before CLIP's normalisation, as for every model here.
 */
export function createClipSourceModel(
  clip: ClipModel,
  tokenizer: ClipTokenizer,
  classNames: readonly string[],
  options: ClipSourceOptions = {},
): SourceModel {
  const classes = classEmbeddings(clip, tokenizer, classNames, options);
  const textHead: ClipTextHead = {
    checkpoint: options.checkpoint ?? null,
    config: clipConfigSummary(clip.config),
    templates: [...(options.templates ?? CLIP_TEMPLATES)],
    head: options.head ?? 'mean',
    classNames: [...classNames],
  };
  try {
    const network = new ClipImageNetwork(clip, classes, options.ownsModel ?? true);
    return {
      network,
      input: { canvas: clip.config.vision.imageSize, valueRange: [0, 1], mean: CLIP_MEAN, std: CLIP_STD },
      sourceOutput: CLIP_OUTPUTS.logits,
      featureOutput: CLIP_OUTPUTS.features,
      numSource: classes.shape[0],
      textHead,
    };
  } finally {
    classes.dispose();
  }
}
