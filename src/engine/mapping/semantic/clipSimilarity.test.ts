import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../../test/support/nodeFetch';
import { buildClipCheckpoint } from '../../models/clip/clipCheckpoint';
import type { TextEncoderLoader } from './clipSimilarity';
import { classNameSimilarity, semanticMapping, semanticMatchText } from './index';

/**
 * SemanticMap through CLIP's text encoder on the tiny random CLIP of test/fixtures/tiny-clip
 * (its similarities against PyTorch: src/engine/parity/clip.test.ts). Random weights mean
 * nothing, but a name is always most similar to itself.
 */
const FIXTURE = join(projectRoot(), 'test', 'fixtures', 'tiny-clip');
const read = (name: string) => new Uint8Array(readFileSync(join(FIXTURE, name)));
const tinyClip: TextEncoderLoader = async () => ({
  name: 'tiny-clip',
  clip: buildClipCheckpoint({ config: read('config.json'), weights: read('model.safetensors'), tokenizer: read('tokenizer.json') }),
});
const noLexicon = () => Promise.reject(new Error('WordNet is not read when CLIP matches the names'));
const similarity = (sourceNames: string[], targetNames: string[]) =>
  classNameSimilarity({ sourceNames, targetNames, numSource: sourceNames.length, fetchBytes: noLexicon, modelName: 'Test net', textEncoder: tinyClip });

describe('SemanticMap by CLIP text embeddings', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('maps names to their duplicates, says it used CLIP, and frees every tensor (weights included)', async () => {
    const sources = ['kit fox', 'ibex', 'cougar', 'golden retriever', 'airliner', 'tabby, tabby cat'];
    const targets = ['golden_retriever', 'cougar', 'airliner'];
    const before = tf.memory().numTensors;
    const matched = await similarity(sources, targets);
    expect(tf.memory().numTensors).toBe(before);
    // Cosines: in [-1, 1], and 1 for the same text ("golden_retriever" reads "golden retriever").
    expect(matched.sim.every((v) => v >= -1 - 1e-5 && v <= 1 + 1e-5)).toBe(true);
    expect(matched.sim[3]).toBeCloseTo(1, 5); // target 0 against source 3
    const { assignment, report } = semanticMapping(sources, targets, 1, matched);
    expect(assignment).toEqual([[3], [2], [4]]);
    expect(report).toMatchObject({ encoder: 'clip', checkpoint: 'tiny-clip', unknownTargets: [], unknownSources: [], approximateTargets: [], approximateSources: [] });
    expect(report.assignedNames).toEqual([['golden retriever'], ['cougar'], ['airliner']]);
    expect(report.similarities.flat()).toEqual([1, 1, 1]);
    expect(semanticMatchText(report)).toBe('matched by CLIP text embeddings (tiny-clip)');
  });

  it('encodes a thousand names in batches without keeping a tensor', async () => {
    const sources = Array.from({ length: 1000 }, (_, i) => `fox ${i}`);
    const before = tf.memory().numTensors;
    const matched = await similarity(sources, ['fox 7']);
    expect(tf.memory().numTensors).toBe(before);
    expect(matched.sim.length).toBe(1000);
    expect(matched.sim[7]).toBeCloseTo(1, 5);
  });

  it('still refuses a text-image source model', async () => {
    await expect(
      classNameSimilarity({ sourceNames: ['cat'], targetNames: ['cat'], numSource: 1, fetchBytes: noLexicon, modelName: 'CLIP', textImage: true, textEncoder: tinyClip }),
    ).rejects.toThrow(/text-image model/);
  });
});
