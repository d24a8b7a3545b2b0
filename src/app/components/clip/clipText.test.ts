import { describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../../core/design/schema';
import { clipMemoryText, clipRecipeFor, zeroShotVerdict } from './clipText';

describe('the CLIP-VP recipe button', () => {
  it("applies the recipe on ViT-B/32's 224-pixel input: a 164-pixel image in a 30-pixel frame", () => {
    const r = clipRecipeFor(DEFAULT_DESIGN, 224);
    expect('design' in r && r.design).toMatchObject({ prompt: 'pad', baseSize: 164, learningRate: 40, optimizer: 'sgd', labelMapping: 'fully' });
  });

  it('says why it cannot on a 64-pixel input (the tiny test checkpoint)', () => {
    const r = clipRecipeFor(DEFAULT_DESIGN, 64);
    expect('problem' in r && r.problem).toBe("This checkpoint's 64-pixel input leaves 4 px inside CLIP-VP's 30-pixel frame (the base size needs at least 8).");
  });
});

describe('CLIP in words', () => {
  it('memory: fp32 weights, and the download beside them while they are read', () => {
    expect(clipMemoryText({ parameterCount: 151_277_313, sizeBytes: 605_000_000 })).toBe(
      'about 577.1 MB of fp32 weights while loaded, up to 1154.1 MB while they are read',
    );
  });

  it('the prompt against zero-shot, on the same images', () => {
    expect(zeroShotVerdict(0.9, 0.85, 'test')).toBe("The prompt beats CLIP's zero-shot test accuracy by 5.0 points (90.0% vs 85.0%).");
    expect(zeroShotVerdict(0.5, 0.6, 'validation')).toMatch(/^The prompt does not beat CLIP's zero-shot validation accuracy yet \(50\.0% vs 60\.0%\)/);
    expect(zeroShotVerdict(0.6, 0.6, 'test')).toMatch(/ties/);
  });
});
