/**
 * SemanticMap as AutoVP computes it (IBM/AutoVP auto_vp/programs.py, Semantic_mapping): the
 * cosine similarity of CLIP's text embeddings of the class names themselves, no template
 * around them (underscores become spaces).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ClipCheckpoint } from '../../models/clip/clipCheckpoint';
import { classEmbeddings } from '../../models/clip/clipSource';

/** A CLIP checkpoint loaded for SemanticMap, with its name for reports ("openai/clip-vit-base-patch32"). */
export interface ClipTextEncoder {
  name: string;
  clip: ClipCheckpoint;
}

/**
 * Loads CLIP's text encoder for SemanticMap, or says there is none at hand (null: WordNet
 * matches the names). Called only when a run uses SemanticMap; the weights are freed after use.
 */
export type TextEncoderLoader = () => Promise<ClipTextEncoder | null>;

/** The bare class name: AutoVP tokenizes the names as they are. */
const NAME_ONLY = ['{}'];

/** Cosine similarities sim[t·S + s] of the target and source class names' CLIP text embeddings. */
export async function clipNameSimilarity(
  clip: ClipCheckpoint,
  sourceNames: readonly string[],
  targetNames: readonly string[],
): Promise<Float32Array> {
  const embed = (names: readonly string[]) => classEmbeddings(clip.model, clip.tokenizer, names, { templates: NAME_ONLY });
  const sim = tf.tidy(() => tf.matMul(embed(targetNames), embed(sourceNames), false, true));
  try {
    return (await sim.data()) as Float32Array;
  } finally {
    sim.dispose();
  }
}
