/**
 * The model manifest of a CLIP checkpoint, shared by the CLI (a folder or `hf:owner/name`) and the
 * app (the built-in ViT-B/32, refined once its config.json is read). Its source classes are the
 * run's own class names under CLIP's templates, so `sourceClasses` stays empty here.
 */
import type { ModelManifest, ModelWeightsOrigin } from '../manifest';
import { CLIP_FILES } from './clipCheckpoint';
import { type ClipConfig, clipParameterCount, parseClipConfig } from './clipConfig';
import { CLIP_MEAN, CLIP_STD } from './clipModel';
import { CLIP_OUTPUTS } from './clipSource';
import { CLIP_TEMPLATES } from './clipTemplates';

/** Parses a checkpoint's config.json bytes; the message names the file. */
export function clipConfigOf(bytes: Uint8Array): ClipConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error(`${CLIP_FILES.config} is not valid JSON (a damaged download, or not a CLIP checkpoint's config?).`);
  }
  return parseClipConfig(raw);
}

const architecture = (c: ClipConfig) =>
  `CLIP ViT (${c.vision.layers} layers, width ${c.vision.hiddenSize}, patch ${c.vision.patchSize})`;

/** A manifest for a CLIP checkpoint known only by its config (the CLI's folders and hub repositories). */
export function clipManifest(id: string, name: string, config: ClipConfig, weights: ModelWeightsOrigin, sizeBytes: number): ModelManifest {
  const v = config.vision;
  return {
    id,
    name,
    summary: `CLIP (ViT, patch ${v.patchSize}, ${v.imageSize}² input): image and text towers; the source classes are your class names under ${CLIP_TEMPLATES.length} templates, averaged.`,
    trainedOn: 'Image–text pairs (see the checkpoint’s model card).',
    license: 'See the checkpoint’s model card.',
    weights,
    format: 'clip',
    inputSize: v.imageSize,
    valueRange: [0, 1],
    normalization: { mean: CLIP_MEAN, std: CLIP_STD },
    sourceOutput: CLIP_OUTPUTS.logits,
    featureOutput: CLIP_OUTPUTS.features,
    sourceClasses: [],
    sizeBytes,
    textImage: true,
    architecture: architecture(config),
    parameterCount: clipParameterCount(config),
  };
}

/**
 * A CLIP manifest as the checkpoint's own config.json describes it: input size, network and
 * weight count are read from the file (another checkpoint of the family, or a test's tiny one,
 * may differ from what the manifest says before the download). Nothing else changes.
 */
export function refineClipManifest(manifest: ModelManifest, config: ClipConfig): ModelManifest {
  if (manifest.format !== 'clip') throw new Error(`${manifest.name} is not a CLIP model.`);
  return {
    ...manifest,
    inputSize: config.vision.imageSize,
    architecture: architecture(config),
    parameterCount: clipParameterCount(config),
  };
}
