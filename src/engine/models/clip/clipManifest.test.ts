import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findModel, MODELS } from '../../../../models';
import { projectRoot } from '../../../../test/support/nodeFetch';
import { clipHubRepoOf, clipHubUrls, clipUrlsBeside, CLIP_VIT_B32_REPO } from './clipHub';
import { clipConfigOf, clipManifest, refineClipManifest } from './clipManifest';

const tinyConfig = clipConfigOf(readFileSync(join(projectRoot(), 'test', 'fixtures', 'tiny-clip', 'config.json')));

/** openai/clip-vit-base-patch32's config.json, the sizes that matter (from its model card). */
const B32 = clipConfigOf(
  new TextEncoder().encode(
    JSON.stringify({
      projection_dim: 512,
      text_config: { hidden_size: 512, intermediate_size: 2048, num_hidden_layers: 12, num_attention_heads: 8, max_position_embeddings: 77, vocab_size: 49408 },
      vision_config: { hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, image_size: 224, patch_size: 32 },
    }),
  ),
);

describe('the built-in CLIP ViT-B/32 manifest', () => {
  const builtIn = MODELS.find((m) => m.format === 'clip');

  it('is a hub model whose files sit beside its weights URL on huggingface.co', () => {
    expect(builtIn?.id).toBe('clip-vit-base-patch32');
    expect(builtIn?.weights.kind).toBe('hub');
    const url = builtIn?.weights.kind === 'hub' ? builtIn.weights.url : '';
    expect(clipUrlsBeside(url)).toEqual(clipHubUrls(CLIP_VIT_B32_REPO));
    expect(clipHubRepoOf(url)).toBe(CLIP_VIT_B32_REPO);
  });

  it('agrees with what the engine derives from the B/32 config (outputs, normalisation, weights, input)', () => {
    const derived = clipManifest('x', 'x', B32, { kind: 'hub', url: '' }, 0);
    for (const key of ['format', 'inputSize', 'valueRange', 'normalization', 'sourceOutput', 'featureOutput', 'sourceClasses', 'textImage', 'architecture', 'parameterCount'] as const) {
      expect(builtIn?.[key], key).toEqual(derived[key]);
    }
    // fp32 weights: 4 bytes a parameter, about 605 MB (what the hub lists).
    expect(Math.abs((builtIn?.sizeBytes ?? 0) - 4 * (derived.parameterCount ?? 0))).toBeLessThan(1e6);
  });

  it('is refined by the checkpoint it loads: the tiny fixture takes 64-pixel inputs', () => {
    const refined = refineClipManifest(builtIn!, tinyConfig);
    expect(refined).toMatchObject({ id: builtIn!.id, inputSize: 64, architecture: 'CLIP ViT (2 layers, width 48, patch 16)' });
    expect(refined.parameterCount).toBeLessThan(200_000);
    expect(refined.weights).toEqual(builtIn!.weights);
    // Not registered here: findModel still has the manifest as shipped.
    expect(findModel(builtIn!.id)?.inputSize).toBe(224);
  });
});

describe('hub URLs', () => {
  it('refuses a weights URL that is not a model.safetensors, and names it', () => {
    expect(() => clipUrlsBeside('https://huggingface.co/a/b/resolve/main/model.json')).toThrow(/model\.json does not name a CLIP checkpoint's model\.safetensors/);
  });

  it('knows the repository only of hub-shaped URLs', () => {
    expect(clipHubRepoOf('https://example.com/a/b/model.safetensors')).toBeNull();
  });

  it('names config.json when it is not JSON', () => {
    expect(() => clipConfigOf(new TextEncoder().encode('<html>'))).toThrow(/config\.json is not valid JSON/);
  });
});
