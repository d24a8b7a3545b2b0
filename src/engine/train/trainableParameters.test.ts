import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import { Prompter } from '../prompt/prompter';
import { trainableParameters } from './trainableParameters';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const design = (over: Partial<VPDesign>): VPDesign => ({ ...DEFAULT_DESIGN, labelMapping: 'random', ...over });

describe('trainable parameters of a visual prompt (224 canvas, base size 128)', () => {
  it('counts only the prompt entries the mask lets train, by hand', () => {
    // Padding at scale 1: a 128-px image in the centre, 3·(224² − 128²) = 3·(50,176 − 16,384).
    expect(trainableParameters(design({ prompt: 'pad', inputScale: 1 }), 224, 1000, 10)).toEqual({
      prompt: 101_376,
      resize: 0,
      mapping: 0,
      total: 101_376,
    });
    // Scale 0.5: a 64-px image, 3·(50,176 − 4,096).
    expect(trainableParameters(design({ prompt: 'pad', inputScale: 0.5 }), 224, 1000, 10).total).toBe(138_240);
    // Full prompt: every entry, 3·224².
    expect(trainableParameters(design({ prompt: 'full' }), 224, 1000, 10).total).toBe(150_528);
    // Patch 32: 3·32².
    expect(trainableParameters(design({ prompt: 'patch', patchSize: 32 }), 224, 1000, 10).total).toBe(3_072);
  });

  it('adds FullyMap (source × target + target) and the trainable scale', () => {
    // FullyMap 1000 → 10: 10,000 weights + 10 biases.
    const fully = trainableParameters(design({ prompt: 'pad', labelMapping: 'fully' }), 224, 1000, 10);
    expect(fully).toEqual({ prompt: 101_376, resize: 0, mapping: 10_010, total: 111_386 });
    const resize = trainableParameters(
      design({ prompt: 'pad', labelMapping: 'fully', trainableResize: true }),
      224,
      1000,
      10,
    );
    expect(resize).toEqual({ prompt: 101_376, resize: 1, mapping: 10_010, total: 111_387 });
    // The full prompt with FullyMap 1000 → 10 (what the CLI printed as "160,538" before: still all of δ).
    expect(trainableParameters(design({ prompt: 'full', labelMapping: 'fully' }), 224, 1000, 10).total).toBe(160_538);
  });

  it.each([
    ['pad', 1, false],
    ['pad', 0.5, false],
    ['pad', 1.5, true],
    ['pad', 0.5, true],
    ['full', 1, false],
    ['patch', 1, false],
  ] as const)(
    "%s prompt at scale %s (trainable resize %s): equals 3 × the ones of the prompter's mask",
    (prompt, inputScale, trainableResize) => {
      const d = design({ prompt, inputScale, trainableResize, patchSize: 40 });
      const prompter = new Prompter(
        d,
        { canvas: 224, valueRange: [0, 1] },
        `count-${prompt}-${inputScale}-${trainableResize}`,
      );
      const mask = prompter.mask();
      const ones = tf.sum(mask).arraySync() as number;
      tf.dispose([mask]);
      prompter.dispose();
      expect(trainableParameters(d, 224, 5, 3).prompt).toBe(3 * ones);
    },
  );
});
