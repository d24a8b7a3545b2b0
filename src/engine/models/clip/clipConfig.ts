/**
 * A CLIP checkpoint's config.json as the Hugging Face hub stores it (CLIPModel: `vision_config`,
 * `text_config`, `projection_dim`). Every size is read from the file, so any checkpoint of the
 * family (B/32, B/16, L/14, tiny test models) loads without code changes.
 */

export type ClipActivation = 'quick_gelu' | 'gelu';

export interface ClipTowerConfig {
  hiddenSize: number;
  intermediateSize: number;
  layers: number;
  heads: number;
  activation: ClipActivation;
  layerNormEps: number;
}

export interface ClipVisionConfig extends ClipTowerConfig {
  imageSize: number;
  patchSize: number;
}

export interface ClipTextConfig extends ClipTowerConfig {
  vocabSize: number;
  maxPositions: number;
}

export interface ClipConfig {
  vision: ClipVisionConfig;
  text: ClipTextConfig;
  projectionDim: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function positiveInt(obj: Record<string, unknown>, key: string, where: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new Error(`config.json: ${where}.${key} must be a positive integer (found ${JSON.stringify(v)}).`);
  }
  return v;
}

function tower(obj: Record<string, unknown>, where: string): ClipTowerConfig {
  const act = obj.hidden_act ?? 'quick_gelu';
  if (act !== 'quick_gelu' && act !== 'gelu') {
    throw new Error(`config.json: ${where}.hidden_act is ${JSON.stringify(act)}; this app runs CLIP checkpoints with "quick_gelu" or "gelu".`);
  }
  const eps = obj.layer_norm_eps ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0)) throw new Error(`config.json: ${where}.layer_norm_eps must be a positive number.`);
  const hiddenSize = positiveInt(obj, 'hidden_size', where);
  const heads = positiveInt(obj, 'num_attention_heads', where);
  if (hiddenSize % heads !== 0) {
    throw new Error(`config.json: ${where}.hidden_size (${hiddenSize}) is not a multiple of num_attention_heads (${heads}).`);
  }
  return {
    hiddenSize,
    intermediateSize: positiveInt(obj, 'intermediate_size', where),
    layers: positiveInt(obj, 'num_hidden_layers', where),
    heads,
    activation: act,
    layerNormEps: eps,
  };
}

/** Checks and reads a parsed config.json; says what is missing when it is not a CLIP config. */
export function parseClipConfig(raw: unknown): ClipConfig {
  if (!isObject(raw) || !isObject(raw.vision_config) || !isObject(raw.text_config)) {
    throw new Error(
      'config.json is not a CLIP config: it needs "vision_config" and "text_config" objects ' +
        '(the layout of CLIPModel checkpoints on the Hugging Face hub, e.g. openai/clip-vit-base-patch32).',
    );
  }
  const v = raw.vision_config;
  const t = raw.text_config;
  const vision: ClipVisionConfig = {
    ...tower(v, 'vision_config'),
    imageSize: positiveInt(v, 'image_size', 'vision_config'),
    patchSize: positiveInt(v, 'patch_size', 'vision_config'),
  };
  if (vision.imageSize % vision.patchSize !== 0) {
    throw new Error(`config.json: vision_config.image_size (${vision.imageSize}) is not a multiple of patch_size (${vision.patchSize}).`);
  }
  const text: ClipTextConfig = {
    ...tower(t, 'text_config'),
    vocabSize: positiveInt(t, 'vocab_size', 'text_config'),
    maxPositions: positiveInt(t, 'max_position_embeddings', 'text_config'),
  };
  return { vision, text, projectionDim: positiveInt(raw, 'projection_dim', 'the top level') };
}

/** Parameters of the whole model (both towers, projections, logit scale). */
export function clipParameterCount(c: ClipConfig): number {
  const layer = (t: ClipTowerConfig) => 4 * (t.hiddenSize * t.hiddenSize + t.hiddenSize) + 2 * t.hiddenSize * t.intermediateSize + t.intermediateSize + t.hiddenSize + 4 * t.hiddenSize;
  const v = c.vision;
  const grid = v.imageSize / v.patchSize;
  const vision = 3 * v.patchSize * v.patchSize * v.hiddenSize + v.hiddenSize + (grid * grid + 1) * v.hiddenSize + 4 * v.hiddenSize + v.layers * layer(v);
  const t = c.text;
  const text = (t.vocabSize + t.maxPositions) * t.hiddenSize + t.layers * layer(t) + 2 * t.hiddenSize;
  return vision + text + c.projectionDim * (v.hiddenSize + t.hiddenSize) + 1;
}
