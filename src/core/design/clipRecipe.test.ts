import { describe, expect, it } from 'vitest';
import { fixedImageSize } from '../../engine/prompt/geometry';
import { CLIP_VP_PADDING, clipVpRecipe } from './clipRecipe';
import { DEFAULT_DESIGN } from './schema';
import { designProblems } from './validate';

describe('the CLIP-VP recipe', () => {
  it('leaves a 30-pixel frame on any canvas and base size, with valid settings', () => {
    for (const [canvas, base] of [[224, 128], [224, 32], [336, 224], [96, 64]] as const) {
      const d = clipVpRecipe({ ...DEFAULT_DESIGN, baseSize: base }, canvas);
      expect(designProblems(d), `${canvas}/${base}`).toEqual([]);
      const side = fixedImageSize(d.baseSize, d.inputScale, canvas);
      expect((canvas - side) / 2, `${canvas}/${base}`).toBe(CLIP_VP_PADDING);
    }
  });

  it('is SGD at 40 with cosine decay, an unbounded prompt and FullyMap from the identity', () => {
    const d = clipVpRecipe(DEFAULT_DESIGN, 224);
    expect(d).toMatchObject({ prompt: 'pad', promptActivation: 'identity', optimizer: 'sgd', learningRate: 40, momentum: 0.9, schedule: 'cosine', labelMapping: 'fully', identityInit: true, trainableResize: false });
    expect(d.epochs).toBe(DEFAULT_DESIGN.epochs);
  });

  it('refuses a canvas too small for the frame', () => {
    expect(() => clipVpRecipe(DEFAULT_DESIGN, 60)).toThrow(/no room/);
  });
});
