/**
 * A CLIP prompt's manifest records how its source classes were made (model.clip: checkpoint,
 * config sizes, templates, head kind, class names): written by buildPromptFile from the source
 * model's textHead, read back as written, and refused, saying what is wrong, when it cannot have
 * made the file's source classes.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import { CLIP_MEAN, CLIP_STD } from '../models/clip/clipModel';
import { type ClipTextHead, configDifferences } from '../models/clip/clipTextHead';
import type { ModelManifest } from '../models/manifest';
import { buildPromptFile, expectedMask, imageSideOf, MANIFEST_KEY, PromptFileError, type PromptFileManifest, promptModelInfo } from './promptFile';
import { parsePromptFile } from './promptFileReader';
import { decodeSafetensors, encodeSafetensors, type TensorInput, tensorValues } from './safetensors';

const CANVAS = 16;
const CLASSES = ['cat', 'golden_retriever'];
const head = (over: Partial<ClipTextHead> = {}): ClipTextHead => ({
  checkpoint: { kind: 'hub', repo: 'openai/clip-vit-base-patch32' },
  config: { imageSize: CANVAS, patchSize: 8, visionWidth: 48, visionLayers: 2, textWidth: 32, textLayers: 2, vocabSize: 630, maxPositions: 32, projectionDim: 24 },
  templates: ['a photo of a {}.', 'a drawing of the {}.'],
  head: 'mean',
  classNames: [...CLASSES],
  ...over,
});
const manifest: ModelManifest = {
  id: 'hf:openai/clip-vit-base-patch32', name: 'openai/clip-vit-base-patch32', summary: '', trainedOn: '', license: '',
  weights: { kind: 'hub', url: 'https://huggingface.co/openai/clip-vit-base-patch32/resolve/main/model.safetensors' },
  format: 'clip', inputSize: CANVAS, valueRange: [0, 1], normalization: { mean: CLIP_MEAN, std: CLIP_STD },
  sourceOutput: 'logits', featureOutput: 'image_features', sourceClasses: [], sizeBytes: 0, textImage: true,
};

function clipPromptFile(textHead: ClipTextHead): Uint8Array {
  const design: VPDesign = { ...DEFAULT_DESIGN, baseSize: 8, inputScale: 1, trainableResize: false, prompt: 'pad', labelMapping: 'fully' };
  const side = imageSideOf(design, 1, CANVAS);
  const numSource = textHead.head === 'mean' ? textHead.classNames.length : textHead.classNames.length * textHead.templates.length;
  const T = CLASSES.length;
  return buildPromptFile({
    prompt: { canvas: CANVAS, delta: new Float32Array(CANVAS * CANVAS * 3).fill(0.25), mask: expectedMask('pad', CANVAS, side, design.patchSize), scale: 1, imageSize: side },
    mapping: { kind: 'fully', weight: new Float32Array(numSource * T).fill(0.5), bias: new Float32Array(T), numSource, numTarget: T },
    design,
    model: promptModelInfo(manifest, numSource, textHead),
    targetClasses: CLASSES,
    preprocessing: { baseSize: 8, resize: 'bilinear-half-pixel', fit: 'crop', alphaBackground: [255, 255, 255], workingSize: null, values: 'uint8/255', grayscale: 'repeat-to-rgb', dataset: null },
    metrics: { validation: null, test: null, epochs: [], steps: 0, final: true, stopped: false },
    createdAt: new Date('2026-12-05T00:00:00Z'),
  });
}

/** The file with its manifest's model.clip edited (the tensors, and so the digest, unchanged). */
function withClip(bytes: Uint8Array, edit: (clip: Record<string, unknown>) => void): Uint8Array {
  const file = decodeSafetensors(bytes);
  const m = JSON.parse(file.metadata[MANIFEST_KEY]!) as PromptFileManifest;
  edit(m.model.clip as unknown as Record<string, unknown>);
  const tensors: Record<string, TensorInput> = {};
  for (const [name, t] of file.tensors) tensors[name] = { dtype: t.dtype as 'F32' | 'I32', shape: t.shape, data: tensorValues(t) };
  return encodeSafetensors(tensors, { [MANIFEST_KEY]: JSON.stringify(m) });
}

function refusal(bytes: Uint8Array): string {
  try {
    parsePromptFile(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(PromptFileError);
    return (e as Error).message;
  }
  throw new Error('the file was accepted');
}

describe('the CLIP text head in a prompt file', () => {
  it('is written from the source model and read back as written (mean and per-template heads)', () => {
    for (const h of [head(), head({ head: 'perTemplate', checkpoint: { kind: 'folder', name: 'my-clip' } }), head({ checkpoint: null })]) {
      const file = parsePromptFile(clipPromptFile(h));
      expect(file.manifest.model.clip).toEqual(h);
      expect(file.manifest.model.numSource).toBe(h.head === 'mean' ? 2 : 4);
    }
  });

  it('refuses a head that cannot have made the source classes, saying why', () => {
    const good = clipPromptFile(head());
    expect(refusal(withClip(good, (c) => (c.head = 'perTemplate')))).toMatch(/"model\.clip" makes 4 source classes \(perTemplate, 2 templates × 2 classes\) but model\.numSource is 2/);
    expect(refusal(withClip(good, (c) => (c.templates = ['a photo'])))).toMatch(/"templates": one or more strings, each with "\{\}"/);
    expect(refusal(withClip(good, (c) => (c.head = 'max')))).toMatch(/head "max", not one of mean, perTemplate/);
    expect(refusal(withClip(good, (c) => ((c.config as Record<string, unknown>).patchSize = 0)))).toMatch(/config\.patchSize 0, not a positive integer/);
    expect(refusal(withClip(good, (c) => (c.checkpoint = { kind: 'hub' })))).toMatch(/names neither a hub repo nor a folder/);
    expect(refusal(withClip(good, (c) => (c.classNames = [])))).toMatch(/"classNames"/);
  });

  it('tells which checkpoint sizes differ', () => {
    const recorded = head().config;
    expect(configDifferences(recorded, { ...recorded })).toEqual([]);
    expect(configDifferences(recorded, { ...recorded, patchSize: 32, textLayers: 12 })).toEqual(['patchSize 8 (this checkpoint: 32)', 'textLayers 2 (this checkpoint: 12)']);
  });
});
