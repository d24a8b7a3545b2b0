import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { artifactsOf } from '../../../test/support/network/layersArtifacts';
import { artifactsFromFolder, darknetTinyDir, hasDarknetTiny } from '../../../test/support/network/sharedModels';
import { inspectArtifacts, MAX_MODEL_BYTES, ModelRefusal, proposeOutputs } from './inspectModel';
import { createSourceModel } from './sourceModel';
import { projectRoot } from '../../../test/support/nodeFetch';
import { artifactsFromFiles, parseSidecarClassNames, userManifest } from './userModel';

const bytesOf = (a: tf.io.ModelArtifacts) => (a.weightData as ArrayBuffer).byteLength;

/** conv → flatten → dense "features" → dense "head" (softmax), for an H×W×C input. */
async function small(shape: [number, number, number], options: { zeroHead?: boolean; lambda?: boolean } = {}) {
  const input = tfl.input({ shape });
  // Seeded weights: with unseeded ones, all six ReLUs are sometimes dead and no gradient reaches the input.
  const seeded = (seed: number) => ({ kernelInitializer: tfl.initializers.glorotUniform({ seed }) });
  const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', name: 'conv', ...seeded(1) }).apply(input);
  const flat = tfl.layers.flatten({ name: 'flat' }).apply(conv);
  const features = tfl.layers.dense({ units: 6, activation: 'relu', name: 'features', ...seeded(2) }).apply(flat);
  const head = tfl.layers.dense({
    units: 4,
    activation: 'softmax',
    name: 'head',
    ...(options.zeroHead ? { kernelInitializer: 'zeros' } : seeded(3)),
  }).apply(features) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: head });
  const a = await artifactsOf(model);
  model.dispose();
  if (options.lambda) {
    const topology = JSON.parse(JSON.stringify(a.modelTopology)) as { config: { layers: { name: string; class_name: string }[] } };
    (topology.config.layers.find((l) => l.name === 'features') as { class_name: string }).class_name = 'Lambda';
    return { ...a, modelTopology: topology };
  }
  return a;
}

const refusal = (fn: () => unknown): ModelRefusal => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ModelRefusal) return e;
    throw e;
  }
  throw new Error('expected a refusal');
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('inspecting a model the user brings', () => {
  it('proposes the logits before the softmax and the features before them', async () => {
    const a = await small([8, 8, 3]);
    const inspection = inspectArtifacts(a, bytesOf(a));
    expect(inspection).toMatchObject({
      format: 'layers',
      inputSize: 8,
      inputSizeAssumed: false,
      proposedSource: 'head',
      proposedFeature: 'features',
      confident: true,
    });
    expect(inspection.outputs.map((o) => o.name)).toEqual(['head/softmax', 'head', 'features', 'flat']);
    expect(inspection.features.map((o) => o.name)).toContain('conv');
  });

  it('proposes for real models: darknet-tiny (layers) and nsfwjs MobileNetV2-mid (graph)', () => {
    const mid = artifactsFromFolder(join(projectRoot(), 'public/generated/models/nsfwjs-mobilenet-v2-mid'));
    const inspection = inspectArtifacts(mid, bytesOf(mid));
    expect(inspection.format).toBe('graph');
    expect(inspection.proposedSource).toBe('StatefulPartitionedCall/sequential/dense/BiasAdd');
    expect(inspection.proposedFeature).toMatch(/feature_vector\/SpatialSqueeze$/);
    expect(inspection.confident).toBe(true);
    if (hasDarknetTiny()) {
      const tiny = artifactsFromFolder(darknetTinyDir());
      const t = inspectArtifacts(tiny, bytesOf(tiny));
      expect([t.proposedSource, t.proposedFeature, t.inputSize]).toEqual(['global_average_pooling2d_1', 'leaky_re_lu_15', 224]);
      expect(t).toMatchObject({ confident: true, featureIsMap: true });
      expect(t.notes).toEqual(['No feature vector comes before the class scores: the last feature map is proposed for linear probing (flattened to 25,088 values).']);
    }
  });

  it('asks when only probabilities or no vectors end the network', () => {
    const probsOnly = proposeOutputs([
      { name: 'conv', shape: [4, 4, 8] },
      { name: 'pool', shape: [8] },
      { name: 'Softmax', shape: [10] },
    ]);
    expect(probsOnly).toMatchObject({ proposedSource: 'Softmax', proposedFeature: 'pool', confident: false, featureIsMap: false });
    const mapsOnly = proposeOutputs([{ name: 'a', shape: [4, 4, 8] }, { name: 'b', shape: [2, 2, 8] }]);
    expect(mapsOnly).toMatchObject({ proposedSource: null, confident: false });
    expect(mapsOnly.features.map((f) => f.name)).toEqual(['b', 'a']);
    // A 1×1 conv "logits" map followed by its squeeze and a softmax copy (TF-Slim MobileNets).
    const slim = proposeOutputs([
      { name: 'Logits/AvgPool', shape: [1, 1, 1024] },
      { name: 'Logits/Conv2d_1c_1x1/BiasAdd', shape: [1, 1, 1001] },
      { name: 'Logits/SpatialSqueeze', shape: [1001] },
      { name: 'Predictions/Reshape_1', shape: [1001] },
    ]);
    expect(slim).toMatchObject({ proposedSource: 'Predictions/Reshape_1', proposedFeature: 'Logits/AvgPool' });
  });

  it('refuses an unsupported layer, naming it', async () => {
    const a = await small([8, 8, 3], { lambda: true });
    const r = refusal(() => inspectArtifacts(a, bytesOf(a)));
    expect(r.code).toBe('unsupported-op');
    expect(r.message).toMatch(/layer "features" \(Lambda\): layer type Lambda is not supported/);
  });

  it('refuses inputs that are not square RGB images', async () => {
    const gray = await small([8, 8, 1]);
    expect(refusal(() => inspectArtifacts(gray, bytesOf(gray)))).toMatchObject({
      code: 'input-shape',
      message: 'This model takes inputs of 8×8×1; visual prompting needs RGB images [height, width, 3].',
    });
    const wide = await small([8, 12, 3]);
    expect(refusal(() => inspectArtifacts(wide, bytesOf(wide)))).toMatchObject({ code: 'non-square', message: /takes 8×12 inputs/ });
  });

  it('refuses a model too large for memory before building it', async () => {
    const a = await small([8, 8, 3]);
    expect(refusal(() => inspectArtifacts(a, MAX_MODEL_BYTES + 1))).toMatchObject({ code: 'too-large', message: /take 300 MB; .* over 300 MB/ });
  });

  it('refuses an output the input cannot reach through gradients', async () => {
    const a = await small([8, 8, 3], { zeroHead: true });
    const r = refusal(() => inspectArtifacts(a, bytesOf(a)));
    expect(r.code).toBe('no-gradient');
    expect(r.message).toMatch(/"head" does not change with the input/);
  });
});

describe('a model from dropped files', () => {
  async function files() {
    const a = await small([8, 8, 3]);
    const specs = a.weightSpecs ?? [];
    const json = { format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: specs }] };
    return [
      { path: 'my-model/model.json', size: 0, bytes: new TextEncoder().encode(JSON.stringify(json)).buffer as ArrayBuffer },
      { path: 'my-model/weights.bin', size: 0, bytes: a.weightData as ArrayBuffer },
      { path: 'my-model/labels.txt', size: 0, bytes: new TextEncoder().encode('a\nb\nc\nd\n').buffer as ArrayBuffer },
    ];
  }
  const read = async (f: { bytes: ArrayBuffer }) => f.bytes;

  it('loads model.json and its weights, and the result builds and trains', async () => {
    const list = await files();
    const { artifacts, files: used, weightBytes } = await artifactsFromFiles(list, read);
    expect(used).toEqual(['my-model/model.json', 'my-model/weights.bin']);
    const inspection = inspectArtifacts(artifacts, weightBytes);
    const names = parseSidecarClassNames('labels.txt', 'a\nb\nc\nd\n');
    const manifest = userManifest(
      'user-x',
      inspection,
      { name: 'Mine', sourceOutput: 'head', featureOutput: 'features', values: 'imagenet', ...(names ? { classNames: names } : {}) },
      { files: used },
      4,
    );
    expect(manifest).toMatchObject({
      inputSize: 8,
      valueRange: [0, 1],
      normalization: { mean: [0.485, 0.456, 0.406] },
      sourceClasses: ['a', 'b', 'c', 'd'],
      weights: { kind: 'user', files: used },
    });
    const source = createSourceModel(manifest, artifacts);
    expect(source.numSource).toBe(4);
    source.network.dispose();
  });

  it('lists the weight files that are missing', async () => {
    const list = (await files()).filter((f) => !f.path.endsWith('.bin'));
    await expect(artifactsFromFiles(list, read)).rejects.toMatchObject({
      code: 'missing-files',
      message: 'model.json lists 1 weight file; 1 is missing: weights.bin. Add model.json together with all its weight files.',
    });
  });

  it('refuses a malformed model.json and weights of the wrong size', async () => {
    const list = await files();
    const broken = list.map((f) => (f.path.endsWith('model.json') ? { ...f, bytes: new TextEncoder().encode('{"modelTopology": 3}').buffer as ArrayBuffer } : f));
    await expect(artifactsFromFiles(broken, read)).rejects.toMatchObject({ code: 'not-a-model', message: /no "modelTopology" object/ });
    const short = list.map((f) => (f.path.endsWith('.bin') ? { ...f, bytes: f.bytes.slice(0, 100) } : f));
    await expect(artifactsFromFiles(short, read)).rejects.toMatchObject({ code: 'wrong-shapes', message: /weights\.bin holds 100 bytes but model\.json describes/ });
    await expect(artifactsFromFiles(list.slice(1, 2), read)).rejects.toMatchObject({ code: 'not-a-model', message: /No model\.json among these files/ });
  });

  it('reads class names from labels.txt, classes.json and Teachable Machine metadata.json', () => {
    expect(parseSidecarClassNames('labels.txt', 'cat\r\ndog\n\n')).toEqual(['cat', 'dog']);
    expect(parseSidecarClassNames('classes.json', '["cat", "dog"]')).toEqual(['cat', 'dog']);
    expect(parseSidecarClassNames('metadata.json', '{"tfjsVersion": "1.3.1", "labels": ["cat", "dog"]}')).toEqual(['cat', 'dog']);
    expect(parseSidecarClassNames('metadata.json', '{"labels": 3}')).toBeNull();
  });
});
